// Slash commands: plain message text, so they work for every client, seed-style ones included.
// Replies go to the one who asked. Each command is one entry of the table; /help is made from it.
import type { RoomLimits } from '../limits'
import { checkMessage } from '../text'
import type { Connection } from './connection'
import { historyCommand, type RoomHistory } from './history'

/** What a command may do in the room. */
export interface CommandContext {
  readonly limits: RoomLimits
  people(): string[]
  /** Tells `conn` alone. */
  notify(conn: Connection, text: string): void
  /** Says `text` to the room as an action of `conn` (`/me`). */
  act(conn: Connection, text: string): void
  /** Renames `conn`, or tells it why not. */
  rename(conn: Connection, raw: string): void
  readonly history: RoomHistory
  /** `/msg`: says the rest of `arg` to the person it starts with, and to nobody else (./private). */
  privately(conn: Connection, arg: string): void
}

interface Command {
  /** How it is typed, for /help. */
  usage: string
  /** What it does, for /help: "lists who is here". */
  does: string
  run(ctx: CommandContext, conn: Connection, arg: string): void
}

/** Names listed in a /who reply before it is cut short, so one line stays readable. */
export const WHO_NAMES = 500

const COMMANDS: Readonly<Record<string, Command>> = {
  who: {
    usage: '/who',
    does: 'lists who is here',
    run(ctx, conn) {
      const people = ctx.people()
      ctx.notify(conn, `Here now (${people.length}): ${listNames(people)}.`)
    }
  },
  me: {
    usage: '/me <action>',
    does: 'says what you do',
    run(ctx, conn, arg) {
      if (!arg) return ctx.notify(conn, 'Usage: /me <action>, for example /me waves.')
      const check = checkMessage(arg, ctx.limits)
      if (!check.ok) return ctx.notify(conn, `Not delivered: ${check.reason}`)
      ctx.act(conn, check.text)
    }
  },
  nick: {
    usage: '/nick <name>',
    does: 'changes your name',
    run(ctx, conn, arg) {
      if (!arg) return ctx.notify(conn, 'Usage: /nick <new name>.')
      ctx.rename(conn, arg)
    }
  },
  history: {
    usage: '/history [N]',
    does: 'shows the last messages (20, or N)',
    run(ctx, conn, arg) {
      for (const line of historyCommand(ctx.history, arg)) ctx.notify(conn, line)
    }
  },
  msg: {
    usage: '/msg <name> <text>',
    does: 'sends a private message',
    run(ctx, conn, arg) {
      ctx.privately(conn, arg)
    }
  },
  help: {
    usage: '/help',
    does: 'shows this',
    run(ctx, conn) {
      ctx.notify(conn, HELP)
    }
  }
}

const HELP = `Commands: ${Object.values(COMMANDS)
  .map((c) => `${c.usage} ${c.does}`)
  .join('; ')}. Start a message with // to send one that begins with /.`

export function runCommand(ctx: CommandContext, conn: Connection, name: string, arg: string): void {
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (command) return command.run(ctx, conn, arg)
  const shown = name.slice(0, 32)
  ctx.notify(conn, `Unknown command /${shown}. Type /help for the list, or //${shown} to send it as text.`)
}

/** Names for a sentence, cut short in a large room so one line stays readable. */
function listNames(names: string[], max = WHO_NAMES): string {
  if (names.length <= max) return names.join(', ')
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`
}
