import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databases } from './helpers/databases.js'
import { type Options, startServer, type TestServer } from './helpers/server.js'

/** Rooms of videos; the host can hide one later. */
const hiddenVideos = new Set<string>()
const rooms: Options['rooms'] = {
  video: (id) => ({ title: `Video ${id}`, access: hiddenVideos.has(id) ? 'hidden' : 'public' }),
}

describe.each(databases)('message search on $name', (database) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer(database, { rooms })
  })
  afterAll(() => server.close())

  const group = async (memberIds = ['bob']) =>
    (await server.as('alice').post('/api/chats/', { title: 'Search group', memberIds })).body.id as number
  const send = async (user: string, chatId: number, body: string) =>
    (await server.as(user).post(`/api/chats/${chatId}/messages/`, { body })).body as { id: number }
  const search = async (user: string, q: string, extra = '') => {
    const reply = await server.as(user).get(`/api/search/?q=${encodeURIComponent(q)}${extra}`)
    expect(reply.status, q).toBe(200)
    return reply.body.results as Array<{ message: any; chat: any; snippet: string }>
  }
  const ids = (results: Array<{ message: { id: number } }>) => results.map((r) => r.message.id)

  it('finds messages with the matched words highlighted, and the chat they are in', async () => {
    const chat = await group()
    const sent = await send('alice', chat, 'Lunch at the pineapple place?')
    const results = await search('bob', 'pineapple')
    expect(ids(results)).toEqual([sent.id])
    expect(results[0]).toMatchObject({
      message: { id: sent.id, chatId: chat, senderId: 'alice', body: 'Lunch at the pineapple place?' },
      chat: { id: chat, kind: 'group', title: 'Search group' },
      snippet: 'Lunch at the <mark>pineapple</mark> place?',
    })
  })

  it('searches only the chats I am a member of', async () => {
    const chat = await group()
    await send('alice', chat, 'the walrus password')
    expect(await search('charlie', 'walrus')).toEqual([])
    const room = (await server.as('alice').post('/api/rooms/', { contentType: 'video', objectId: 's1' })).body
    await server.as('alice').post(`/api/chats/${room.id}/join/`)
    await send('alice', room.id, 'walrus in a public room')
    expect(await search('charlie', 'walrus')).toEqual([])
    expect(await search('alice', 'walrus')).toHaveLength(2)
  })

  it('stops finding a room the host now hides', async () => {
    const room = (await server.as('alice').post('/api/rooms/', { contentType: 'video', objectId: 's2' })).body
    await server.as('alice').post(`/api/chats/${room.id}/join/`)
    await send('alice', room.id, 'narwhal sighting')
    expect(await search('alice', 'narwhal')).toHaveLength(1)
    hiddenVideos.add('s2')
    try {
      expect(await search('alice', 'narwhal')).toEqual([])
    } finally {
      hiddenVideos.delete('s2')
    }
  })

  it('ranks better matches first', async () => {
    const chat = await group()
    const weak = await send('alice', chat, 'a mango and nothing else worth a smoothie mention today')
    const strong = await send('alice', chat, 'mango smoothie, mango smoothie, mango smoothie')
    const middle = await send('alice', chat, 'mango smoothie')
    expect(ids(await search('bob', 'mango smoothie'))).toEqual([strong.id, middle.id, weak.id])
  })

  it('ranks a whole word above a word that only starts with it, however new', async () => {
    const chat = await group()
    const whole = await send('alice', chat, 'one ripe papaya')
    const longer = await send('alice', chat, 'papayas everywhere')
    expect(ids(await search('bob', 'papaya'))).toEqual([whole.id, longer.id])
    expect(ids(await search('bob', 'papay'))).toEqual([longer.id, whole.id])
  })

  it('judges relevance among the newest matches of a common word, and reaches older ones with more words', async () => {
    const chat = await group()
    const old = await send('alice', chat, 'quince quince quince jam')
    for (let i = 0; i < 110; i++) await send('alice', chat, `quince number ${i}`)
    const newest = ids(await search('bob', 'quince', '&limit=50'))
    expect(newest).toHaveLength(50)
    expect(newest).not.toContain(old.id)
    expect(ids(await search('bob', 'quince jam'))).toEqual([old.id])
  })

  it('matches word prefixes and needs every word', async () => {
    const chat = await group()
    const both = await send('alice', chat, 'Grapefruit marmalade recipe')
    await send('alice', chat, 'grapefruit only')
    expect(ids(await search('bob', 'grap'))).toContain(both.id)
    expect(ids(await search('bob', 'GRAPE marm'))).toEqual([both.id])
    expect(await search('bob', 'fruit')).toEqual([])
  })

  it('escapes every HTML character in the snippet and marks only the matched words', async () => {
    const chat = await group()
    await send('alice', chat, `<b>x</b> & "quotes" it's`)
    const [result] = await search('bob', 'quotes')
    expect(result!.snippet).toBe('&lt;b&gt;x&lt;/b&gt; &amp; &quot;<mark>quotes</mark>&quot; it&#39;s')
    expect(result!.message.body).toBe(`<b>x</b> & "quotes" it's`)
  })

  it('cuts a long message to the text around the match', async () => {
    const chat = await group()
    const filler = (word: string) => Array.from({ length: 40 }, (_, i) => `${word}${i}`).join(' ')
    await send('alice', chat, `${filler('before')} the hidden wombat is here ${filler('after')}`)
    const [hit] = await search('bob', 'wombat')
    expect(hit!.snippet).toMatch(/^….*the hidden <mark>wombat<\/mark> is here.*…$/)
    expect(hit!.snippet.split(' ').length).toBeLessThan(40)
  })

  it('shows the text without its formatting markers, and cuts it with no marker left unpaired', async () => {
    const chat = await group()
    await send(
      'alice',
      chat,
      'Meet *tomorrow* at the _old_ ~mill~ with `git log` and **cake**:\n```\nfeed okapi\n```',
    )
    const [formatted] = await search('bob', 'okapi')
    expect(formatted!.snippet).toBe(
      'Meet tomorrow at the old mill with git log and cake: feed <mark>okapi</mark>',
    )

    // Forty words, the match the 15th: the snippet starts at the 12th and ends at the 35th, each inside emphasis.
    const words = Array.from({ length: 40 }, (_, i) => (i === 14 ? 'axolotl' : `w${i}`))
    const text = words.join(' ').replace('w10 w11', '*w10 w11*').replace('w34 w35', '_w34 w35_')
    await send('alice', chat, text)
    const [long] = await search('bob', 'axolotl')
    const shown = words.slice(11, 35).map((word) => (word === 'axolotl' ? '<mark>axolotl</mark>' : word))
    expect(long!.snippet).toBe(`…${shown.join(' ')}…`)
  })

  it('treats search syntax in the query as plain text, never failing', async () => {
    const chat = await group()
    const sent = await send('alice', chat, 'syntax torture: kumquat AND papaya OR NOT NEAR lime')
    const queries = [
      '"kumquat',
      'kumquat"',
      '"kumquat"',
      'kumquat*',
      '*kumquat',
      'kumquat:*',
      'kumquat AND',
      'AND kumquat',
      'kumquat OR papaya',
      'NOT kumquat',
      'kumquat NEAR(',
      'NEAR(kumquat papaya)',
      '(kumquat',
      'kumquat)',
      'kumquat & papaya | !lime',
      "kumquat's",
      'kumquat\\',
      '-kumquat',
      '^kumquat',
      '{kumquat}',
      'kumquat <-> papaya',
      'kumquat\u0000',
    ]
    for (const q of queries) expect(ids(await search('bob', q)), q).toContain(sent.id)
    for (const q of ['AND', 'NEAR', 'OR', 'NOT', 'body:kumquat', 'kumquat^2']) await search('bob', q)
    for (const q of ['*', '"', '()', ':', '&', '\u0301', '""*', '\u200B']) {
      const reply = await server.as('bob').get(`/api/search/?q=${encodeURIComponent(q)}`)
      expect([200, 400], q).toContain(reply.status)
    }
  })

  it('refuses an empty query with 400', async () => {
    for (const path of ['/api/search/', '/api/search/?q=', '/api/search/?q=%20%20']) {
      const reply = await server.as('bob').get(path)
      expect(reply.status, path).toBe(400)
      expect(reply.body.error.code).toBe('invalid_input')
    }
  })

  it('finds accented, Lithuanian and Arabic words, regardless of case', async () => {
    const chat = await group()
    const french = await send('alice', chat, 'Un café crème, s’il vous plaît')
    const lithuanian = await send('alice', chat, 'Ąžuolas žaliuoja prie kelio')
    const arabic = await send('alice', chat, 'مرحبا بالعالم')
    expect(ids(await search('bob', 'café'))).toEqual([french.id])
    expect(ids(await search('bob', 'CRÈME'))).toEqual([french.id])
    expect(ids(await search('bob', 'ąžuol'))).toEqual([lithuanian.id])
    expect(ids(await search('bob', 'ŽALIUOJA'))).toEqual([lithuanian.id])
    const [hit] = await search('bob', 'مرحبا')
    expect(hit!.message.id).toBe(arabic.id)
    expect(hit!.snippet).toBe('<mark>مرحبا</mark> بالعالم')
  })

  it('narrows to one chat with chatId', async () => {
    const [one, two] = [await group(), await group()]
    const inOne = await send('alice', one, 'lemonade stand')
    const inTwo = await send('bob', two, 'lemonade stand')
    expect(ids(await search('bob', 'lemonade')).sort()).toEqual([inOne.id, inTwo.id].sort())
    expect(ids(await search('bob', 'lemonade', `&chatId=${two}`))).toEqual([inTwo.id])
    const theirs = (await server.as('dana').post('/api/chats/', { memberIds: ['erin'] })).body.id
    await send('dana', theirs, 'lemonade secret')
    expect(await search('bob', 'lemonade', `&chatId=${theirs}`)).toEqual([])
    expect((await server.as('bob').get('/api/search/?q=lemonade&chatId=abc')).status).toBe(400)
  })

  it('stops matching the old words of an edited message, and finds the new ones', async () => {
    const chat = await group()
    const sent = await send('alice', chat, 'meet at the aardvark statue')
    await server.as('alice').patch(`/api/messages/${sent.id}/`, { body: 'meet at the platypus statue' })
    expect(await search('bob', 'aardvark')).toEqual([])
    const [hit] = await search('bob', 'platypus')
    expect(hit).toMatchObject({ message: { id: sent.id, body: 'meet at the platypus statue' } })
    expect(hit!.message.editedAt).not.toBeNull()
  })

  it('no longer finds a deleted message', async () => {
    const chat = await group()
    const sent = await send('alice', chat, 'ocelot on the loose')
    await server.as('alice').delete(`/api/messages/${sent.id}/`)
    expect(await search('alice', 'ocelot')).toEqual([])
  })

  /** Every page of a search, following `nextBefore` until it is null. */
  const allPages = async (user: string, q: string, extra = '') => {
    const pages: Array<{ ids: number[]; nextBefore: number | null }> = []
    let before: number | null = null
    do {
      const path: string = `/api/search/?q=${encodeURIComponent(q)}${extra}${before === null ? '' : `&before=${before}`}`
      const reply = await server.as(user).get(path)
      expect(reply.status, path).toBe(200)
      const page: (typeof pages)[number] = { ids: ids(reply.body.results), nextBefore: reply.body.nextBefore }
      if (before !== null) for (const id of page.ids) expect(id).toBeLessThan(before)
      pages.push(page)
      before = page.nextBefore
    } while (before !== null && pages.length < 50)
    return pages
  }

  it('pages through every match with nextBefore, never repeating or skipping one, without what I blocked', async () => {
    const chat = await group(['bob', 'erin'])
    const theirs = (await server.as('dana').post('/api/chats/', { memberIds: ['erin'] })).body.id
    const expected: number[] = []
    const fromErin: number[] = []
    for (let i = 0; i < 250; i++) {
      expected.push((await send('alice', chat, i % 7 === 0 ? `walnut walnut ${i}` : `walnut number ${i}`)).id)
      if (i % 6 === 0) fromErin.push((await send('erin', chat, `walnut from erin ${i}`)).id)
      if (i % 10 === 0) await send('alice', chat, `almond ${i}`)
      if (i % 25 === 0) await send('dana', theirs, `walnut elsewhere ${i}`)
    }
    expect((await server.as('bob').post('/api/users/erin/block/')).status).toBe(200)

    const pages = await allPages('bob', 'walnut')
    expect(pages.map((p) => p.ids.length)).toEqual([...Array(12).fill(20), 10])
    expect(pages.at(-1)!.nextBefore).toBeNull()
    const seen = pages.flatMap((p) => p.ids)
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen.sort((a, b) => a - b)).toEqual(expected)

    // The same in one chat, with bigger pages; erin, who blocked nobody, finds her own messages too.
    const inChat = await allPages('bob', 'walnut', `&chatId=${chat}&limit=100`)
    expect(inChat.map((p) => p.ids.length)).toEqual([100, 100, 50])
    expect(inChat.flatMap((p) => p.ids).sort((a, b) => a - b)).toEqual(expected)
    const erins = (await allPages('erin', 'walnut', `&chatId=${chat}&limit=100`)).flatMap((p) => p.ids)
    expect(erins.sort((a, b) => a - b)).toEqual([...expected, ...fromErin].sort((a, b) => a - b))
  })

  it('pages on from the whole words to the words that only start with the term', async () => {
    const chat = await group()
    const whole = []
    for (let i = 0; i < 3; i++) whole.push((await send('alice', chat, `hazel tree ${i}`)).id)
    const longer = []
    for (let i = 0; i < 45; i++) longer.push((await send('alice', chat, `hazelnuts ${i}`)).id)
    const pages = await allPages('bob', 'hazel')
    expect(pages.map((p) => p.ids.length)).toEqual([20, 20, 8])
    expect(pages[0]!.ids.slice(0, 3).sort((a, b) => a - b)).toEqual(whole)
    expect(pages.at(-1)!.nextBefore).toBeNull()
    const seen = pages.flatMap((p) => p.ids)
    expect(seen.sort((a, b) => a - b)).toEqual([...whole, ...longer])
  })

  it('refuses a bad before with 400 and changes nothing', async () => {
    const chat = await group()
    const sent = await send('alice', chat, 'chestnut season')
    const before = await server.snapshot()
    const values = ['abc', '0', '-1', '1.5', '1e3', '', '%205', '0x10', 'null', '99999999999999999999', '[5]']
    for (const value of values) {
      const reply = await server.as('bob').get(`/api/search/?q=chestnut&before=${value}`)
      expect(reply.status, value).toBe(400)
      expect(reply.body.error.code, value).toBe('invalid_input')
    }
    expect(await server.snapshot()).toEqual(before)
    expect(ids(await search('bob', 'chestnut', '&limit=1&before=9007199254740991'))).toEqual([sent.id])
    expect(await search('bob', 'chestnut', `&limit=1&before=${sent.id}`)).toEqual([])
  })

  it('limits the number of results', async () => {
    const chat = await group()
    for (let i = 0; i < 5; i++) await send('alice', chat, `quokka number ${i}`)
    expect(await search('bob', 'quokka', '&limit=2')).toHaveLength(2)
    expect(await search('bob', 'quokka')).toHaveLength(5)
    const long = await server.as('bob').get(`/api/search/?q=${'quokka '.repeat(40)}`)
    expect(long.status).toBe(413)
  })
})
