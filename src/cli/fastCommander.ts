/**
 * What the warm-install bundle (src/cli/fastInstall.ts) gets for `import ... from "commander"`, so
 * it never loads commander (scripts/build.mjs maps the name here for that bundle only). The only
 * value its modules import is src/index/cliFlags.ts's InvalidArgumentError, thrown by a value
 * parser to reject a value; the fast reader treats any throw as "let commander read this command
 * line", and the real commander words the error. Same code and exit code as commander's own.
 */
export class InvalidArgumentError extends Error {
  readonly code = "commander.invalidArgument";
  readonly exitCode = 1;
}
