/** The whole checklist through the Adyen adapter against its simulator (issue 13). */
import { checklistThroughAcquirer } from '../support/checklist-through-acquirer.js';

checklistThroughAcquirer('adyen');
