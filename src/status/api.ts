/** What the status feature offers the other features (an ephemeral diagnosis offers the service's dashboard). */
export { showGraphButton } from './graph';
