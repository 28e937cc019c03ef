import { describe, expect, it } from 'vitest';
import { commentIntent, type CommentIntent } from '../../src/rules/comment-intent.js';
import { isQuestion } from '../../src/rules/signals.js';

/**
 * Comments maintainers left on public pull requests, as they wrote them, with where they were
 * left. `explain` goes to the conversation route (an answer is asked for), `change` to code work,
 * `other` nowhere in particular (it raises the signal, but is no question).
 */
const REAL: readonly (readonly [text: string, intent: CommentIntent, source: string])[] = [
  [
    'Why not reuse the existing cursor type? Could you explain the trade-off?',
    'explain',
    'radar issue 18, item 12 (the comment radar routed to code work)',
  ],
  ['What is the purpose of this change?', 'explain', 'https://github.com/ooni/spec/pull/125'],
  [
    'What problem does this solve?',
    'explain',
    'https://github.com/AFLplusplus/AFLplusplus/pull/45',
  ],
  [
    "I'm not sure I'm following the reasoning for this change. When a pull request is created, it already has the ability to show what the changes are and where they are. What would the benefit be of asking someone to repeat the same information in the description?",
    'explain',
    'https://github.com/microsoft/Web-Dev-For-Beginners/pull/712',
  ],
  [
    "@takeutak My assumption was that it is impossible to have a scenario where the content of the pull request is the same and yet the first doesn't work but the second one does. Could you provide an example by any chance of this happening? \nFlaky tests aside, the same code should always produce the same outcomes e.g. either work or not consistently.",
    'explain',
    'https://github.com/hyperledger-cacti/cacti/pull/1177',
  ],
  [
    "What's happening here? something like `thread.setIsDone(!thread.getIsDone())` ?\nI see that you use the variable `isDone` later too so I guess putting it in a variable is good.",
    'explain',
    'https://github.com/google/startup-os/pull/296',
  ],
  [
    'Add a test for `Review` to `ghtype_tests.jl`? Otherwise LGTM!',
    'change',
    'https://github.com/JuliaWeb/GitHub.jl/pull/73',
  ],
  [
    'This looks great! Could you update the README as well, please?',
    'change',
    'https://github.com/gr2m/create-or-update-pull-request-action/pull/481',
  ],
  [
    '@SmashedFrenzy16 I think there\'s value in adding the "Why" but I agree with Alfredo on the where. Could you please modify it to only speak on the why and we can approve it?',
    'change',
    'https://github.com/microsoft/Web-Dev-For-Beginners/pull/712',
  ],
  [
    "I think we've got to get this pointed to an actual test repository that has test reviews on it. @SimonBarendse Could you switch to using the test user for your test?",
    'change',
    'https://github.com/github-tools/github/pull/454',
  ],
  [
    '```suggestion\n  you think your approach is better. If you agree with the comment, you can optionally explain why you did not do it\n```\nCan we make this optional, please? IMO, I would generally not have thought of the approach in the first place or I would have been naive/unaware/beginner.',
    'change',
    'https://github.com/apache/airflow/pull/36472',
  ],
  [
    'For a change like this I would prefer the commit comment to say more about why the change is necessary or what the effect of the change is.',
    'change',
    'https://github.com/dylan-lang/opendylan/pull/1427',
  ],
  ['LGTM', 'other', 'https://github.com/dataease/dataease/pull/14245'],
];

describe('commentIntent on real maintainer comments', () => {
  it.each(REAL)('%j → %s (%s)', (text, intent) => {
    expect(commentIntent(text)).toBe(intent);
    expect(isQuestion(text)).toBe(intent === 'explain');
  });
});

describe('commentIntent: how each kind of sentence is read', () => {
  it.each([
    // Questions and requests for words.
    ['Why is the timeout 30 s?', 'explain'],
    ['What does this flag do?', 'explain'],
    ['Is there a reason not to use the shared pool?', 'explain'],
    ['Why does this need to be async?', 'explain'],
    ['Could you explain why the lock is taken twice?', 'explain'],
    ['Can you clarify what happens on retry', 'explain'],
    ['Please explain the motivation in the description thread.', 'explain'],
    ['Would you give some context on the numbers', 'explain'],
    ["I'd like to understand why the cache is per request.", 'explain'],
    ["I'm curious why the buffer is 64 KiB.", 'explain'],
    ['@maint1 how does this interact with the scheduler?', 'explain'],
    ['Nit: why the extra newline?', 'explain'],
    // Changes, whatever the punctuation.
    ['Please rename this flag.', 'change'],
    ['This conflicts now, please rebase.', 'change'],
    ['Looks fine to me, but please explain the new default.', 'explain'],
    ['Could you add a test?', 'change'],
    ['Can you please rebase on main?', 'change'],
    ['Should this use the cache?', 'change'],
    ['Can we drop the second retry?', 'change'],
    ['Would it make sense to move this into utils?', 'change'],
    ['How about using the existing helper?', 'change'],
    ["Let's keep the old name.", 'change'],
    ['Rename it?', 'change'],
    ['Also, remove the debug print.', 'change'],
    ['This needs a test.', 'change'],
    ['We should pin the version here.', 'change'],
    ['I suggest splitting this into two PRs.', 'change'],
    ['s/recieve/receive/', 'change'],
    ['Why? Anyway, please revert the rename.', 'change'],
    ['```suggestion\nconst x = 1;\n```', 'change'],
    // Neither.
    ['Looks good.', 'other'],
    ['Thanks, this should be fine.', 'other'],
    ['', 'other'],
    [undefined, 'other'],
    // Quotes and code are not the maintainer's words.
    ['```\nwhy?\n```\nRename it.', 'change'],
    ['> why?\nok', 'other'],
    ['> Please rename this.\nWhy would we?', 'explain'],
    ['`fix()` is called where?', 'explain'],
  ] as const)('%j → %s', (text, intent) => {
    expect(commentIntent(text)).toBe(intent);
  });
});
