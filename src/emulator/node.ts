/** Node adapter of the emulator (placeholder until implemented). */
export const placeholder = true
