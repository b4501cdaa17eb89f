/** Box upload-session emulator as a plain web `Request -> Response` handler. Re-exports only. */
export type { EmulatorOptions, Faults, PartFault, ScriptedFault, Storage, RequestRecord } from './Options.ts'
export { emulator } from './Handler.ts'
export type { Emulator } from './Handler.ts'
