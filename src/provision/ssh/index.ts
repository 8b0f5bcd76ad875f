// The SSH layer bootstrap uses on every machine, whatever provider made it (see README.md).
export {
  type ClusterSshFiles,
  clusterSshFiles,
  ensureSshKeyPair,
  type SshKeyPair,
} from './cluster-ssh-key.js';
export {
  checkHostKey,
  type HostKeyCheck,
  type HostKeyPin,
  hostKeyFingerprint,
  parseKnownHosts,
  readHostKeyPins,
} from './known-hosts.js';
export {
  compareVersions,
  kubernetesArchitecture,
  type MachineFacts,
  minimumNodeVersion,
  nodeVersionUsable,
  parseMachineFacts,
  parseOsRelease,
  parseVersion,
  readMachineFacts,
} from './machine-facts.js';
export {
  formatSeconds,
  type MachineAddress,
  type MachineFailure,
  MachineStepError,
  machineLabel,
} from './machine-step-error.js';
export { asRootCommand, shellQuote } from './shell-quote.js';
export { type ConnectOptions, connectToMachine, SshConnection, type SshEndpoint } from './ssh-connection.js';
export { type SshExecOptions, type SshExecResult, sshExec, sshRun } from './ssh-exec.js';
export { type UploadOptions, type UploadResult, type UploadSource, uploadToMachine } from './ssh-upload.js';
