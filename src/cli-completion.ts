/**
 * Shell completion scripts generated from the program's own command tree, so completion offers
 * exactly the commands, options and choices commander accepts. `commandTree` reads commander's
 * objects once; the three renderers are pure functions of that plain tree.
 */
import type { Command } from 'commander';

/** The shells a script is written for (`radar completion` offers them: commands/types.ts). */
export type Shell = 'bash' | 'zsh' | 'fish';

export interface CompletionOption {
  /** `--by`, and `-b` when it has a short form. */
  long: string;
  short?: string;
  description: string;
  /** `required`: the next word is its value; `optional`: only `--opt=value`; `none`: a switch. */
  value: 'none' | 'required' | 'optional';
  /** The values commander accepts, when it names them. */
  choices?: readonly string[];
}

export interface CompletionCommand {
  name: string;
  description: string;
  options: CompletionOption[];
  commands: CompletionCommand[];
  /** The values its first positional argument accepts, when commander names them. */
  argChoices?: readonly string[];
  /** It takes positional arguments (files, PRs, ids): fish completes files there. */
  takesArgs?: boolean;
}

/** The plain tree of a commander program: what the renderers complete from. */
export function commandTree(command: Command): CompletionCommand {
  const first = command.registeredArguments[0];
  return {
    name: command.name(),
    description: command.description(),
    options: command.options
      .filter((o) => !o.hidden && o.long !== undefined)
      .map((o) => ({
        long: o.long!,
        ...(o.short ? { short: o.short } : {}),
        description: o.description,
        value: o.required ? 'required' : o.optional ? 'optional' : 'none',
        ...(o.argChoices ? { choices: o.argChoices } : {}),
      })),
    commands: command.commands.map(commandTree),
    ...(first?.argChoices ? { argChoices: first.argChoices } : first ? { takesArgs: true } : {}),
  };
}

/** The completion script for a shell. */
export function completionScript(shell: Shell, tree: CompletionCommand): string {
  for (const word of words(tree))
    if (!/^[\w./-]+$/.test(word))
      throw new Error(
        `"${word}" cannot be completed safely: commands, options and choices are plain words`,
      );
  return { bash: bashScript, zsh: zshScript, fish: fishScript }[shell](tree);
}

/** Every name, flag and choice the script will hold verbatim (descriptions are quoted apart). */
function words(tree: CompletionCommand): string[] {
  return [
    tree.name,
    ...(tree.argChoices ?? []),
    ...tree.options.flatMap((o) => [o.long, ...(o.short ? [o.short] : []), ...(o.choices ?? [])]),
    ...tree.commands.flatMap(words),
  ];
}

/** Each command below the root with its path ("report tokens"), depth first. */
function paths(command: CompletionCommand, path: string[] = []): [string, CompletionCommand][] {
  return command.commands.flatMap((c) => [
    [[...path, c.name].join(' '), c] as [string, CompletionCommand],
    ...paths(c, [...path, c.name]),
  ]);
}

const flags = (o: CompletionOption) => [...(o.short ? [o.short] : []), o.long];

/**
 * The case functions bash and zsh share (both read this POSIX-style syntax): the subcommands,
 * own options and positional choices at a path, and the values an option takes.
 */
function caseFunctions(tree: CompletionCommand, fn: string): string {
  const all: [string, CompletionCommand][] = [['', tree], ...paths(tree)];
  const arm = (path: string, body: string) => `    "${path}") echo "${body}" ;;`;
  const nonEmpty = (rows: [string, string][]) =>
    rows.filter(([, body]) => body !== '').map(([path, body]) => arm(path, body));
  const own = (c: CompletionCommand) => (c === tree ? [] : c.options);
  const valueArms = all.flatMap(([path, c]) =>
    own(c)
      .filter((o) => o.value === 'required')
      .map((o) => {
        const keys = flags(o).map((f) => `"${path} ${f}"`);
        return `    ${keys.join('|')}) echo "${(o.choices ?? []).join(' ')}" ;;`;
      }),
  );
  const globalArms = tree.options
    .filter((o) => o.value === 'required')
    .map(
      (o) =>
        `    ${flags(o)
          .map((f) => `*" ${f}"`)
          .join('|')}) echo "${(o.choices ?? []).join(' ')}" ;;`,
    );
  return `${fn}_commands() {
  case "$1" in
${nonEmpty(all.map(([path, c]) => [path, c.commands.map((s) => s.name).join(' ')])).join('\n')}
  esac
}

${fn}_options() {
  echo "${tree.options.flatMap(flags).join(' ')}"
  case "$1" in
${nonEmpty(all.map(([path, c]) => [path, own(c).flatMap(flags).join(' ')])).join('\n')}
  esac
}

${fn}_args() {
  case "$1" in
${nonEmpty(all.map(([path, c]) => [path, (c.argChoices ?? []).join(' ')])).join('\n')}
  esac
}

# The values the option $2 takes at path $1 (none printed: any word, a file); 1 if it takes none.
${fn}_values() {
  case "$1 $2" in
${[...valueArms, ...globalArms].join('\n')}
    *) return 1 ;;
  esac
}

# The command path the words before the cursor name ("report tokens"), option values skipped.
${fn}_path() {
  local cmdpath="" w skip=0
  for w in "$@"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case "$w" in
      -*=*) ;;
      -*) ${fn}_values "$cmdpath" "$w" >/dev/null && skip=1 ;;
      *) case " $(${fn}_commands "$cmdpath") " in *" $w "*) cmdpath="\${cmdpath:+$cmdpath }$w" ;; esac ;;
    esac
  done
  echo "$cmdpath"
}`;
}

function bashScript(tree: CompletionCommand): string {
  const fn = `_${tree.name}`;
  return `# bash completion for ${tree.name} (generated by \`${tree.name} completion bash\`)
${caseFunctions(tree, fn)}

${fn}_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" cmdpath values
  [ "$COMP_CWORD" -gt 1 ] && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmdpath="$(${fn}_path "\${COMP_WORDS[@]:1:COMP_CWORD-1}")"
  if [ -n "$prev" ] && values="$(${fn}_values "$cmdpath" "$prev")"; then
    if [ -n "$values" ]; then
      mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
  elif [[ "$cur" == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(${fn}_options "$cmdpath")" -- "$cur")
  elif [ -n "$(${fn}_commands "$cmdpath")" ]; then
    mapfile -t COMPREPLY < <(compgen -W "$(${fn}_commands "$cmdpath")" -- "$cur")
  elif [ -n "$(${fn}_args "$cmdpath")" ]; then
    mapfile -t COMPREPLY < <(compgen -W "$(${fn}_args "$cmdpath")" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}
complete -o filenames -F ${fn}_complete ${tree.name}
`;
}

function zshScript(tree: CompletionCommand): string {
  const fn = `_${tree.name}`;
  return `#compdef ${tree.name}
# zsh completion for ${tree.name} (generated by \`${tree.name} completion zsh\`)
${caseFunctions(tree, fn)}

${fn}_complete() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}" cmdpath values
  cmdpath="$(${fn}_path "\${(@)words[2,CURRENT-1]}")"
  if (( CURRENT > 2 )) && values="$(${fn}_values "$cmdpath" "$prev")"; then
    if [[ -n "$values" ]]; then compadd -- \${=values}; else _files; fi
  elif [[ "$cur" == -* ]]; then
    compadd -- \${=$(${fn}_options "$cmdpath")}
  elif [[ -n "$(${fn}_commands "$cmdpath")" ]]; then
    compadd -- \${=$(${fn}_commands "$cmdpath")}
  elif [[ -n "$(${fn}_args "$cmdpath")" ]]; then
    compadd -- \${=$(${fn}_args "$cmdpath")}
  else
    _files
  fi
}
# Sourced from .zshrc, it registers; autoloaded from fpath as ${fn}, it completes at once.
if [[ "\${funcstack[1]}" == ${fn} ]]; then
  ${fn}_complete "$@"
else
  compdef ${fn}_complete ${tree.name}
fi
`;
}

/** A fish single-quoted string. */
const fishQuote = (text: string) => `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;

function fishScript(tree: CompletionCommand): string {
  const fn = `__${tree.name}`;
  const all: [string, CompletionCommand][] = [['', tree], ...paths(tree)];
  const option = (o: CompletionOption, condition: string) => {
    const parts = [`complete -c ${tree.name}`];
    if (condition) parts.push(`-n ${fishQuote(condition)}`);
    if (o.short) parts.push(`-s ${o.short.slice(1)}`);
    parts.push(`-l ${o.long.slice(2)}`);
    if (o.value === 'required')
      parts.push(o.choices ? `-x -a ${fishQuote(o.choices.join(' '))}` : '-r -F');
    parts.push(`-d ${fishQuote(o.description)}`);
    return parts.join(' ');
  };
  const lines = all.flatMap(([path, c]) => {
    const at = `${fn}_at ${fishQuote(path)}`;
    return [
      ...c.commands.map(
        (s) =>
          `complete -c ${tree.name} -n ${fishQuote(at)} -f -a ${s.name} -d ${fishQuote(s.description)}`,
      ),
      ...(c === tree ? [] : c.options.map((o) => option(o, at))),
      ...(c.argChoices
        ? [
            `complete -c ${tree.name} -n ${fishQuote(at)} -f -a ${fishQuote(c.argChoices.join(' '))}`,
          ]
        : []),
      ...(c.takesArgs ? [`complete -c ${tree.name} -n ${fishQuote(at)} -F`] : []),
    ];
  });
  const subcommands = all
    .filter(([, c]) => c.commands.length > 0)
    .map(
      ([path, c]) =>
        `    case ${fishQuote(path)}\n      echo ${c.commands.map((s) => s.name).join(' ')}`,
    );
  const valued = [...tree.options, ...all.flatMap(([, c]) => (c === tree ? [] : c.options))]
    .filter((o) => o.value === 'required')
    .flatMap(flags);
  return `# fish completion for ${tree.name} (generated by \`${tree.name} completion fish\`)
function ${fn}_subcommands
  switch $argv[1]
${subcommands.join('\n')}
  end
end

# The command path the words before the cursor name ("report tokens"), option values skipped.
function ${fn}_path
  set -l path
  set -l skip 0
  for w in (commandline -opc)[2..-1]
    if test $skip = 1
      set skip 0
      continue
    end
    if contains -- $w ${[...new Set(valued)].join(' ')}
      set skip 1
    else if contains -- $w (string split ' ' -- (${fn}_subcommands "$path"))
      set -a path $w
    end
  end
  echo "$path"
end

function ${fn}_at
  test (${fn}_path) = "$argv[1]"
end

complete -c ${tree.name} -f
${tree.options.map((o) => option(o, '')).join('\n')}
${lines.join('\n')}
`;
}
