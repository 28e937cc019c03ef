/**
 * What a maintainer's comment asks of the PR's author: a change to the code (`change`), an
 * explanation (`explain`: a why/what/how question, or a request to explain, with no imperative
 * to change anything), or neither (`other`: thanks, an approval, a remark). Only this is ever
 * taken from a comment's text: whatever else it says is data. Pure.
 *
 * The comment is read sentence by sentence, quotes and code left out. One sentence that asks for
 * a change makes the comment a change request, however many questions surround it; otherwise a
 * question or a request to explain makes it `explain`. "Could you" alone decides nothing: "could
 * you explain the trade-off?" asks for words, "could you add a test?" for code.
 */

export type CommentIntent = 'change' | 'explain' | 'other';

/** Verbs that ask for words, not code: "could you explain", "please clarify". */
const EXPLAIN_VERBS =
  /^(explain|clarify|elaborate|describe|justify|expand|tell|say|share|confirm|comment|walk|remind|help me understand|point me|answer)\b/;
/** "Could you provide / give …" asks for words when what follows is information. */
const INFO_OBJECT =
  /^(provide|give|share|add|post|link)\s+(an?\s+|some\s+|more\s+|the\s+|your\s+)?(example|context|details?|background|reasoning|reason|rationale|motivation|explanation|information|info|link|reference|use ?case|numbers|benchmark results)\b/;

/** Verbs that open an imperative sentence asking for a change ("Add a test.", "Rename it?"). */
const IMPERATIVE =
  /^(add|remove|delete|drop|rename|move|fix|change|update|use|reuse|replace|revert|rebase|squash|split|extract|make|avoid|handle|implement|include|document|mention|bump|pin|switch|convert|refactor|simplify|inline|wrap|throw|restore|undo|reword|reformat|cover|clean|consolidate|merge|separate|factor|consider|prefer|keep|put|pass|guard|validate|sort|lower|raise|increase|decrease|reduce|limit|cap|bound)\b/;

/** Words that may come before the verb of an imperative or request. */
const LEAD =
  /^((also|and|then|anyway|maybe|perhaps|just|so|but|ok|okay|alternatively|instead|probably|finally|nit|nitpick|minor|optional|suggestion|small thing|one more thing)\b[\s,:;-]*)+/;

/** A question that asks for information: who/what/why…, or a yes/no question about facts. */
const INQUIRY =
  /^(why|what|how|where|when|which|who|whose|is|are|was|were|does|do|did|has|have|had|isn't|aren't|doesn't|don't|didn't|hasn't|haven't|any|anything|what's|how's|where's|who's)\b/;

/** Openings that ask for a change, even as a question. */
const CHANGE_OPENINGS: readonly RegExp[] = [
  // "Should this use the cache?", "Shouldn't we pin it?"
  /^(should|shouldn't|shall)\s+(this|it|we|you|that|these|those|the|there)\b/,
  // "Can we make this optional?", "Could we drop it?"
  /^(can|could|would|will|may)\s+we\b/,
  // "Would it make sense to…", "Would it be better to…", "Is it possible to…"
  /^(would|wouldn't|does|doesn't|is|isn't)\s+it\s+(make\s+sense|be\s+(better|cleaner|simpler|safer|easier|nicer|possible|worth)|possible|worth)\b/,
  // "How about using…", "What about moving…"
  /^(how|what)\s+about\s+\w+ing\b/,
  /^let's\b/,
];

/** Statements that ask for a change wherever the words stand. */
const CHANGE_STATEMENTS: readonly RegExp[] = [
  // "I'd prefer …", "I would rather …", "I suggest …", "Let's …"
  /\b(i'd|i\s+would|we'd|we\s+would)\s+(prefer|rather|suggest|recommend|like\s+(you\s+)?to\s+(?!understand|know|hear|see|learn|ask))\b/,
  /\b(i|we)\s+(suggest|recommend|propose)\b/,
  /\b(it|this|that)\s+would\s+be\s+(better|nicer|good|great|cleaner|safer|simpler|preferable)\s+(to|if)\b/,
  // "This needs a test", "this is missing docs"
  /\b(needs|requires|is\s+missing|lacks)\s+(an?|some|more|tests?|docs?|documentation|a\s+changelog)\b/,
  // "s/foo/bar/"
  /(^|\s)s\/[^/\s]+\/[^/]*\//,
];

/** "you should …", "we need to …", "this must …": an obligation stated, outside a question. */
const OBLIGATION =
  /\b(you|we|this|it|that|these|those|they)\s+(should(?!\s+(be\s+(fine|ok|okay|good|safe|correct|right|enough)|work)\b)|must|need\s+to|needs\s+to|have\s+to|has\s+to|ought\s+to|('ve|\s+have)\s+got\s+to)\b/;

/** Statements that ask for an explanation without a question mark. */
const EXPLAIN_STATEMENTS: readonly RegExp[] = [
  /\b(i'd|i\s+would)\s+like\s+to\s+(understand|know|hear|see|learn)\b/,
  /\bi('m|\s+am)\s+(not\s+sure|curious|wondering)\s+(why|what|how|whether|if|about)\b/,
  /\bi\s+(don't|do\s+not)\s+(understand|see)\s+(why|what|how)\b/,
];

type SentenceIntent = CommentIntent;

function classifySentence(raw: string): SentenceIntent {
  const question = raw.includes('?');
  let s = raw
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/^[\s>*•-]*(\d+\s*[-.)]\s*)?/, '')
    .replace(/^(@[\w-]+[\s,:]*)+/, '')
    .trim();
  s = s.replace(LEAD, '').trim();

  // "Please …", "Could you (please) …", "…, please rebase": a request; what it requests decides.
  const request =
    /(?:^|[,;:–-]\s*)(?:(?:and|but|so|then|also)\s+)?(?:please|pls|kindly|(?:could|can|would|will)\s+you(?:\s+please|\s+kindly)?)\s+(.*)$/.exec(
      s,
    );
  if (request) {
    const asked = request[1]!.replace(/^(also|just|maybe|perhaps)\s+/, '');
    return EXPLAIN_VERBS.test(asked) || INFO_OBJECT.test(asked) ? 'explain' : 'change';
  }
  if (CHANGE_OPENINGS.some((p) => p.test(s)) || IMPERATIVE.test(s)) return 'change';
  // "Why not reuse the cursor type?", "What does this flag do?": a question asks for words.
  if (question && INQUIRY.test(s)) return 'explain';
  if (CHANGE_STATEMENTS.some((p) => p.test(s)) || OBLIGATION.test(s)) return 'change';
  if (question || EXPLAIN_STATEMENTS.some((p) => p.test(s))) return 'explain';
  return 'other';
}

/** The comment's text without what the maintainer quoted or showed as code. */
function ownWords(body: string): string {
  return body
    .replace(/<!--[\s\S]*?(-->|$)/g, ' ')
    .replace(/(```|~~~)[\s\S]*?(\1|$)/g, ' ')
    .replace(/^\s*>.*$/gm, ' ')
    .replace(/`[^`\n]*`/g, 'CODE');
}

/** The sentences of a text: split after . ! ? and at line breaks. */
function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => /[a-z]/i.test(s));
}

export function commentIntent(body: string | undefined): CommentIntent {
  if (body === undefined) return 'other';
  // A suggested change block is a change request, whatever the words around it say.
  if (/^\s*```suggestion\b/m.test(body)) return 'change';
  let intent: CommentIntent = 'other';
  for (const sentence of sentences(ownWords(body))) {
    const one = classifySentence(sentence);
    if (one === 'change') return 'change';
    if (one === 'explain') intent = 'explain';
  }
  return intent;
}
