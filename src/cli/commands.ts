import type { Command } from "commander";

/**
 * Each command lives in its own file and exports `register(program)`. Registration must stay cheap:
 * a command's file imports only commander types and loads its engine inside the action.
 * Add one line per command file here.
 */
export function registerCommands(_program: Command): void {
  // registered below as areas land
}
