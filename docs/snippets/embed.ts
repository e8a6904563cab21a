// The README's embed block: run by test/readme.test.ts, which checks each comment.
import type { Palaver } from 'palaver'

export function embedAll(palaver: Palaver) {
  // #region readme
  palaver.embed.dm('bob')               // <script type="module" src="/messages/static/palaver-<hash>.js"></script><palaver-dm user-id="bob" …>
  palaver.embed.room('video', '42')     // …<palaver-room content-type="video" object-id="42" …>
  palaver.embed.messages()              // the whole messages page as one element
  palaver.embed.script()                // only the script tag
  // #endregion
  return [palaver.embed.dm('bob'), palaver.embed.room('video', '42'), palaver.embed.messages(), palaver.embed.script()]
}
