export { EventLog, headHex, type EventInput, type LoggedEvent, type EntrySummary, type EventLogOptions, type EventAppendOptions, type Head } from './event-log.js';
