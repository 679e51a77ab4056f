/**
 * teleport.yaml → a typed, validated TeleportConfig with Teleport's defaults; `teleport start`
 * flag overrides; the sample `teleport configure` prints. Errors are BadParameterError naming
 * `file:line: key.path`.
 */
export { formatAddr, isHost, parseAddr, type NetAddr } from './address.js';
export { defaultConfig, loadConfigFile, parseConfig, type ParseOptions } from './parse.js';
export { applyStartFlags, parseLabelSpec, readTokenFlag, type StartFlags } from './flags.js';
export { checkConfigOnHost, configKeyError, explainListenError, makeDirAll, whereSet, type HostCheckOptions } from './host-check.js';
export { sampleConfig, type SampleOptions } from './sample.js';
export { parseSystemRoles } from './section-auth.js';
export {
  BIND_IP,
  DEFAULT_CONFIG_PATH,
  DEFAULT_DATA_DIR,
  JOIN_METHODS,
  LATER_STORAGE_TYPES,
  MAX_CONNECTIONS,
  MAX_USERS,
  PORTS,
} from './defaults.js';
export type {
  AuthenticationConfig,
  AuthServiceConfig,
  AuthType,
  CommandLabel,
  ConfigVersion,
  ConnectionRate,
  DatabaseConfig,
  AppConfig,
  AppServiceConfig,
  DatabaseServiceConfig,
  DatabaseTLSMode,
  EnabledServices,
  GlobalConfig,
  LaterServiceConfig,
  LogSeverity,
  ProxyServiceConfig,
  SecondFactor,
  SessionRecordingMode,
  SSHServiceConfig,
  StaticToken,
  StorageType,
  TeleportConfig,
} from './types.js';
