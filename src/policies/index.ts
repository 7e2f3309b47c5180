export { expiryPolicy, expiryTime, planExpiry, EXPIRY_OPTIONS_SCHEMA, type ExpiryOptions } from './expiry.js';
export { orphanPolicy, classifyFile, isAlwaysKept, ORPHAN_OPTIONS_SCHEMA, type OrphanOptions } from './orphan.js';
export {
  emergencyPolicy,
  assessPressure,
  browserEmergencyOptions,
  compareCandidates,
  planEmergency,
  selectEvictions,
  serverEmergencyOptions,
  EMERGENCY_OPTIONS_SCHEMA,
  type EmergencyOptions,
  type EvictionCandidate,
  type EvictionPlan,
} from './emergency.js';
