/** Progress lines for long generation steps: at most one every two seconds, plus the final one. */
export function progress(label: string, total: number): { tick(done: number): void; done(): number } {
  const started = performance.now()
  let lastPrint = started
  const line = (done: number) => {
    const seconds = (performance.now() - started) / 1000
    const rate = seconds > 0 ? Math.round(done / seconds) : 0
    const pct = total > 0 ? ((done / total) * 100).toFixed(0) : '100'
    return `  ${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${pct}%) ${seconds.toFixed(1)} s, ${rate.toLocaleString('en-US')} rows/s`
  }
  return {
    tick(done) {
      const now = performance.now()
      if (now - lastPrint >= 2000 && done < total) {
        lastPrint = now
        console.log(line(done))
      }
    },
    done() {
      console.log(line(total))
      return (performance.now() - started) / 1000
    },
  }
}

export async function timed<T>(label: string, work: () => Promise<T> | T): Promise<T> {
  const started = performance.now()
  const result = await work()
  console.log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`)
  return result
}
