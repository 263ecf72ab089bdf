/** What other features use from alarms. */
export { alarmsFeature } from './feature';
export {
  getIncident,
  acknowledgeIncident,
  unacknowledgeIncident,
  silenceIncident,
  unsilenceIncident,
  SILENCE_MS,
  type IncidentChange,
} from './incident-actions';
export { parseAlarmButton } from './buttons';
export type { Incident } from '../store/incidents';
export type { AlarmButtonValue } from './render/alarm-card';
