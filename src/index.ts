/** box-chunked-upload: uploads to Box's chunked upload API (upload sessions). Re-exports only. */
export type { UploadError } from './UploadError.ts'
