export {
  type EventMapping,
  eventId,
  eventMappings,
  eventsOf,
  type StreamChange,
  type WebhookEventOf,
} from "./events";
export { integrationsFilters } from "./filter";
