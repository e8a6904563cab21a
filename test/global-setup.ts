import { buildElements } from '../scripts/build-elements.js'

/** The browser tests load the widget bundle: build it from the current sources first. */
export default async function setup(): Promise<void> {
  await buildElements({ quiet: true })
}
