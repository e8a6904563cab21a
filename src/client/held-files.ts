/**
 * Where an outbox keeps the bytes of its waiting sends' files across page loads (`OutboxStorage.files`), by
 * clientId and then by attachment id: after a reload an upload swept meanwhile is uploaded again from them.
 */
export interface OutboxFileStorage {
  load(): Promise<Map<string, Map<number, Blob>>>
  save(clientId: string, files: ReadonlyMap<number, Blob>): Promise<void>
  delete(clientId: string): Promise<void>
}

const STORE = 'files'

/**
 * Keeps them in the IndexedDB database `name`, one record per send. Where there is no IndexedDB (Node, a browser
 * that refuses it) every call rejects, and the outbox holds the bytes in memory only.
 */
export function indexedDbFiles(name: string): OutboxFileStorage {
  let opened: Promise<IDBDatabase> | undefined
  const open = () =>
    (opened ??= new Promise((resolve, reject) => {
      const request = (globalThis as { indexedDB: IDBFactory }).indexedDB.open(name, 1)
      request.onupgradeneeded = () => request.result.createObjectStore(STORE)
      request.onsuccess = () => resolve(request.result)
      request.onerror = request.onblocked = () => reject(request.error)
    }))
  /** One request in a transaction of its own: what it answered, once the transaction is done. */
  const run = async <T>(mode: IDBTransactionMode, ask: (store: IDBObjectStore) => IDBRequest<T>) => {
    const transaction = (await open()).transaction(STORE, mode)
    const request = ask(transaction.objectStore(STORE))
    return new Promise<T>((resolve, reject) => {
      transaction.oncomplete = () => resolve(request.result)
      transaction.onerror = transaction.onabort = () => reject(transaction.error)
    })
  }
  /** Whether the database is there to read: a page that never held a file does not create it only to find it empty. */
  const exists = async () => {
    const factory = (globalThis as { indexedDB: IDBFactory }).indexedDB
    if (opened || typeof factory.databases !== 'function') return true
    return (await factory.databases()).some((database) => database.name === name)
  }
  return {
    // Each record is [clientId, files], under its clientId.
    load: async () => new Map((await exists()) ? await run('readonly', (store) => store.getAll()) : []),
    save: (clientId, files) =>
      run('readwrite', (store) => store.put([clientId, new Map(files)], clientId)).then(() => {}),
    delete: (clientId) => run('readwrite', (store) => store.delete(clientId)),
  }
}
