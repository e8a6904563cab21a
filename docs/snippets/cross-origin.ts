// The README's block for widgets on another origin, type-checked by `npm test`
// (test/browser/cross-origin.test.ts covers the behaviour).
import { createPalaver, type PalaverOptions } from 'palaver'

declare const options: PalaverOptions

// #region readme
const palaver = await createPalaver({ ...options, allowedOrigins: ['https://www.example.com'] })
// #endregion
export { palaver }
