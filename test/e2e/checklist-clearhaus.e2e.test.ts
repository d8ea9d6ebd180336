/** The whole checklist through the Clearhaus adapter against its simulator (issue 13). */
import { checklistThroughAcquirer } from '../support/checklist-through-acquirer.js';

checklistThroughAcquirer('clearhaus');
