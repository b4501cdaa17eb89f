/** Box upload-session emulator as a plain web `Request -> Response` handler. Re-exports only. */
export type { EmulatorOptions, Faults, PartFault, CommitFault, ScriptedFault, Storage, RequestRecord } from './Options.ts'
export { emulator } from './Handler.ts'
export type { Emulator, ServerContext } from './Handler.ts'
export { sha1 } from './Sha1.ts'
export type { Sha1, Sha1Factory } from './Sha1.ts'
export { defaultPartSize } from './Config.ts'
