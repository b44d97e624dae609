/**
 * YAML syntax errors in plain words. The YAML library names what its grammar expected ("Sequence
 * item without - indicator", "Flow sequence in block collection must be sufficiently indented");
 * a workflow author needs to know what is wrong on which line and column, and how to fix it.
 */
import type { ErrorCode } from "yaml";

export interface YamlSyntaxError {
  readonly code: ErrorCode;
  /** The library's own message, kept as the fallback for codes without a plain wording. */
  readonly message: string;
}

export interface PlainYamlError {
  readonly message: string;
  readonly hint?: string;
}

/**
 * The library reports several different mistakes under one code (MISSING_CHAR covers an unclosed
 * quote and a list item without "- "), so its message picks the wording first.
 */
const BY_MESSAGE: readonly (readonly [RegExp, PlainYamlError])[] = [
  [
    /Missing closing ['"]quote/,
    {
      message: "a quoted string is not closed: the quote opened here has no closing quote",
      hint: "add the closing quote",
    },
  ],
  [
    /must be sufficiently indented and end with a [\]}]/,
    {
      message: "a '[' or '{' on this line is not closed",
      hint: "close it with ] or }, on this line or on a line indented deeper than its key",
    },
  ],
  [
    /Sequence item without - indicator/,
    {
      message: "this line is indented like a list item but does not start with '- '",
      hint: "indent it exactly as far as the keys of the item above, or start a new item with '- '",
    },
  ],
  [
    /Implicit map keys need to be followed by map values/,
    {
      message: "this line has text but no 'key: value' (a ':' followed by a space is missing)",
      hint: "write 'key: value', and quote text that contains ': ' or starts with a special character",
    },
  ],
  [
    /Nested mappings are not allowed in compact mappings/,
    {
      message: "a value containing ': ' is read as a second key on the same line",
      hint: "quote the value",
    },
  ],
  [
    /All sequence items must start at the same column/,
    {
      message: "the items of this list do not start at the same column",
      hint: "line up every '- ' of the list",
    },
  ],
  [
    /Missing , (or : )?between/,
    {
      message: "two items inside [ ] or { } are not separated by a comma",
      hint: "add a comma between them",
    },
  ],
  [
    /Missing space after :/,
    { message: "a ':' inside { } is not followed by a space", hint: "write 'key: value'" },
  ],
  [
    /Comments must be separated/,
    {
      message: "a '#' touches the text before it, so YAML cannot tell a comment from a value",
      hint: "put a space before '#', or quote a value that contains '#'",
    },
  ],
  [
    /Implicit keys (of flow sequence pairs )?need to be on a single line/,
    {
      message: "a key runs over more than one line, or the line above it has no ':'",
      hint: "write 'key: value' on one line",
    },
  ],
];

/** What a workflow author should read for each syntax error code, when the message is not known. */
const PLAIN: Partial<Record<ErrorCode, PlainYamlError>> = {
  TAB_AS_INDENT: {
    message: "a tab is used for indentation; YAML indents with spaces only",
    hint: "replace the tab with spaces",
  },
  BAD_INDENT: {
    message: "this line is indented differently from the lines it belongs with",
    hint: "line it up with its siblings (same number of spaces), or nest it two spaces deeper",
  },
  MISSING_CHAR: {
    message:
      "a closing character is missing: a bracket, brace or quote opened earlier is not closed",
    hint: "close every [ with ], { with } and every quote before the line ends",
  },
  UNEXPECTED_TOKEN: {
    message: "unexpected text here: the line does not continue the list or mapping above it",
    hint: "check the indentation and that list items start with '- '",
  },
  BLOCK_AS_IMPLICIT_KEY: {
    message: "a key is followed by more text on the next line than YAML can read as one key",
    hint: "put a ':' after the key, or quote a value that contains ': '",
  },
  MULTILINE_IMPLICIT_KEY: {
    message: "a key runs over more than one line",
    hint: "keep keys on one line; quote a value that contains ': '",
  },
  BLOCK_IN_FLOW: {
    message: "an indented list or mapping is written inside [ ] or { }",
    hint: "inside brackets write items inline, separated by commas",
  },
  MULTIPLE_DOCS: {
    message: "the file holds more than one YAML document (a second '---')",
    hint: "keep one workflow per file",
  },
  BAD_DQ_ESCAPE: {
    message:
      "a double-quoted string has an escape YAML does not know (a backslash before a letter such as \\d)",
    hint: "use single quotes, or double the backslash",
  },
  BAD_SCALAR_START: {
    message: "a plain value starts with a character YAML reserves (one of @ ` | > % or a tab)",
    hint: "quote the value",
  },
  BAD_ALIAS: { message: "an alias (*name) is malformed or names no anchor" },
  ALIAS_PROPS: { message: "an alias (*name) cannot carry a tag or an anchor" },
  MULTIPLE_ANCHORS: { message: "a node has more than one anchor (&name)" },
  MULTIPLE_TAGS: { message: "a node has more than one tag (!tag)" },
  BAD_PROP_ORDER: { message: "an anchor or tag is written after the value it belongs to" },
  KEY_OVER_1024_CHARS: { message: "a key is longer than 1024 characters" },
  NON_STRING_KEY: { message: "a mapping key is not text" },
  TAG_RESOLVE_FAILED: { message: "a value does not match its tag" },
  BAD_DIRECTIVE: { message: "a '%' directive line is not valid YAML" },
};

/** The plain wording for `error`, or the library's first line when there is none. */
export function plainYamlError(error: YamlSyntaxError): PlainYamlError {
  const byMessage = BY_MESSAGE.find(([pattern]) => pattern.test(error.message));
  if (byMessage !== undefined) return byMessage[1];
  const plain = PLAIN[error.code];
  if (plain !== undefined) return plain;
  const first = error.message.split("\n")[0]?.replace(/ at line \d+.*$/, "") ?? error.message;
  return { message: `YAML syntax error: ${first}` };
}
