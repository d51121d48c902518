/**
 * Escaping of event-supplied text for each markup. The rule: a value that came from an event can never produce a
 * mention, a link or markup in the channel; only the renderer's own template does.
 */

/** Slack mrkdwn: the three characters Slack requires escaped; this also disarms <!channel>, <@U123>, <url|text>. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack plain_text (header, button labels): no entity decoding there, so angle brackets become look-alikes. */
export function slackPlain(s: string): string {
  return s.replace(/</g, '‹').replace(/>/g, '›');
}

/**
 * DingTalk / WeCom markdown: no reliable backslash escapes, so markup characters become look-alikes: angle brackets
 * (WeCom `<@userid>` mentions, `<font>`), square brackets (links), and `*`, `` ` `` (emphasis, code); `@` gets a
 * zero-width joiner so "@13800000000" in a value is never a mention.
 */
export function imMarkdownEscape(s: string): string {
  return s
    .replace(/</g, '‹')
    .replace(/>/g, '›')
    .replace(/\[/g, '［')
    .replace(/\]/g, '］')
    .replace(/\*/g, '∗')
    .replace(/`/g, 'ˋ')
    .replace(/@/g, '@\u200d')
    .replace(/^#/gm, '＃');
}

/** Feishu lark_md: HTML-style entities for angle brackets (disarms `<at id=all></at>`), look-alikes for link brackets. */
export function larkEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\[/g, '［')
    .replace(/\]/g, '］')
    .replace(/\*/g, '∗');
}

/** Feishu plain_text (card header): not rendered, but kept free of markup look-alikes all the same. */
export function larkPlain(s: string): string {
  return s.replace(/</g, '‹').replace(/>/g, '›').replace(/\[/g, '［').replace(/\]/g, '］');
}

/** URLs we build (console links) are still checked: only https links are rendered as links. */
export function safeLink(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}
