/** The session layer: identity map, unit of work, async-context binding. */
export { Session } from './session.js';
export { currentSession, runSession } from './context.js';
