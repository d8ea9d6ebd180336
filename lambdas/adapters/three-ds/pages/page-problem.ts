/**
 * The error pages and their HTTP status. Every one of them leaves the session as it was; the
 * status says why to a machine (the Vipps simulator, a browser test), the page says it to a person.
 * A session that ends (expired, used, an error) gets no page: it redirects to Vipps.
 */
import type { ThreeDsProblem } from '../../../core/use-cases/three-ds-challenge.js';

export type PageProblem =
  | ThreeDsProblem
  /** A method other than GET or POST reached the function. */
  | 'METHOD_NOT_ALLOWED'
  /** Anything unexpected (the store is down, a bug): never a stack trace. */
  | 'INTERNAL';

export const problemStatus: Record<PageProblem, number> = {
  UNKNOWN_SESSION: 404,
  FORGED_FORM: 403,
  BAD_FORM: 400,
  // The return route is POST /3ds/{id}; form fields in a GET's query are the return route used
  // with the wrong method. The page itself (GET without them) stays available.
  FORM_IN_QUERY: 405,
  UNUSABLE_SESSION: 500,
  STALE_NOTIFICATION: 409,
  METHOD_NOT_ALLOWED: 405,
  INTERNAL: 500,
};

/** Problems after which the same session still works, so the page offers a way back to it. */
export const retryable: ReadonlySet<PageProblem> = new Set(['FORGED_FORM', 'BAD_FORM', 'FORM_IN_QUERY']);
