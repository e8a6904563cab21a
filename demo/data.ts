import type { UserProfile } from '../src/index.js'

/** The demo's own users table: in a real site these come from the host's database. */
export interface DemoUser extends Required<Pick<UserProfile, 'id' | 'username' | 'name' | 'email'>> {
  bio: string
}

/** Everyone signs in with this password; the login page says so. */
export const DEMO_PASSWORD = 'demo'

export const USERS: readonly DemoUser[] = [
  {
    id: 'alice',
    username: 'alice',
    name: 'Alice Anderson',
    email: 'alice@example.com',
    bio: 'Films rivers and writes about them.',
  },
  {
    id: 'bob',
    username: 'bob',
    name: 'Bob Brown',
    email: 'bob@example.com',
    bio: 'Bakes bread at dawn, edits video at night.',
  },
  {
    id: 'charlie',
    username: 'charlie',
    name: 'Charlie Chen',
    email: 'charlie@example.org',
    bio: 'Keeps bees and a very long list of bird sightings.',
  },
  {
    id: 'dana',
    username: 'dana',
    name: 'Dana Díaz',
    email: 'dana@example.org',
    bio: 'Repairs old bicycles and records how she does it.',
  },
]

export const findUser = (username: string): DemoUser | undefined =>
  USERS.find((user) => user.username === username)

/** A "video" is only a title and a description here: the point is the chat room attached to it. */
export interface Video {
  id: string
  title: string
  description: string
  duration: string
  /** Two colours for the placeholder poster. */
  colors: readonly [string, string]
  by: string
}

export const VIDEOS: readonly Video[] = [
  {
    id: 'river-seasons',
    title: 'A river in four seasons',
    description: 'One spot on the bank, filmed once a week for a year.',
    duration: '3:12',
    colors: ['#2b6cb0', '#38b2ac'],
    by: 'alice',
  },
  {
    id: 'sourdough-101',
    title: 'Sourdough from scratch',
    description: 'Starter, stretch and fold, and the bake, in real time.',
    duration: '14:05',
    colors: ['#c05621', '#ecc94b'],
    by: 'bob',
  },
  {
    id: 'hive-inspection',
    title: 'Inspecting a beehive in spring',
    description: 'What to look for on each frame, and what to leave alone.',
    duration: '8:47',
    colors: ['#b7791f', '#2f855a'],
    by: 'charlie',
  },
  {
    id: 'wheel-truing',
    title: 'Truing a bicycle wheel',
    description: 'Fixing a wobble with a spoke key and a zip tie.',
    duration: '6:30',
    colors: ['#553c9a', '#d53f8c'],
    by: 'dana',
  },
]

export const findVideo = (id: string): Video | undefined => VIDEOS.find((video) => video.id === id)
