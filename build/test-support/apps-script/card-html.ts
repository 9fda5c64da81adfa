import { cardWidgets, type FakeCard, type FakeSection, type FakeTextButton, type FakeWidget } from './card-service-fake.js'

/**
 * Renders the runtime's built cards (FakeCard) as HTML, close to how Gmail's side panel draws
 * them, for `npm run preview:gmail` and screenshots. Texts of TextParagraph and DecoratedText
 * are Gmail's HTML subset: the tags Gmail honours (b, i, u, s, br, font color) are kept and
 * every other `<` is shown as text, as Gmail does, so markup an add-on failed to escape shows
 * up in the picture instead of being executed. Plain strings (titles, buttons, inputs) are
 * always escaped. Buttons carry `data-button` (their text) for the preview's click handler.
 */

function escape (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const ALLOWED = /^<(\/?)(b|i|u|s|br)\s*\/?>$|^<font color="(#[0-9a-fA-F]{3,6})">$|^<\/font>$/

/** Gmail's formatted text: the allowed tags stay, the rest of the markup becomes text. Entities pass as they are. */
export function formattedText (text: string): string {
  return text.replace(/<[^<>]*>|</g, (tag) => {
    const match = ALLOWED.exec(tag)
    if (match === null) return escape(tag)
    if (match[3] !== undefined) return `<font color="${match[3]}">`
    return tag === '</font>' ? tag : `<${match[1] ?? ''}${match[2] ?? ''}>`
  }).replace(/\n/g, '<br>')
}

function button (b: FakeTextButton): string {
  const filled = b.style === 'FILLED'
  const link = b.onClick.kind === 'openLink' ? ` data-link="${escape(b.onClick.openLink.url)}"` : ''
  return `<button class="${filled ? 'filled' : 'text'}" data-button="${escape(b.text)}"${link}>${escape(b.text)}</button>`
}

function widget (w: FakeWidget): string {
  switch (w.kind) {
    case 'TextParagraph': return `<p class="para">${formattedText(w.text)}</p>`
    case 'DecoratedText': {
      const parts = [
        w.topLabel === null ? '' : `<div class="top">${formattedText(w.topLabel)}</div>`,
        `<div class="value${w.wrapText ? '' : ' clip'}">${formattedText(w.text)}</div>`,
        w.bottomLabel === null ? '' : `<div class="bottom">${formattedText(w.bottomLabel)}</div>`,
      ].join('')
      return `<div class="decorated"><div class="body">${parts}</div>${w.button === null ? '' : button(w.button)}</div>`
    }
    case 'TextInput': {
      const value = escape(w.value ?? '')
      const attributes = `name="${escape(w.fieldName)}" placeholder="${escape(w.title ?? '')}"`
      const field = w.multiline ? `<textarea ${attributes}>${value}</textarea>` : `<input ${attributes} value="${value}">`
      return `<label class="input"><span>${escape(w.title ?? '')}</span>${field}${w.hint === null ? '' : `<small>${escape(w.hint)}</small>`}</label>`
    }
    case 'SelectionInput': {
      if (w.type === 'DROPDOWN') {
        const options = w.items.map((i) => `<option value="${escape(i.value)}"${i.selected ? ' selected' : ''}>${escape(i.text)}</option>`).join('')
        return `<label class="input"><span>${escape(w.title ?? '')}</span><select name="${escape(w.fieldName)}">${options}</select></label>`
      }
      const type = w.type === 'RADIO_BUTTON' ? 'radio' : 'checkbox'
      const items = w.items.map((i) => `<label class="check"><input type="${type}" name="${escape(w.fieldName)}" value="${escape(i.value)}"${i.selected ? ' checked' : ''}> ${escape(i.text)}</label>`).join('')
      return `<fieldset><legend>${escape(w.title ?? '')}</legend>${items}</fieldset>`
    }
    case 'ButtonSet': return `<div class="buttons">${w.buttons.map(button).join('')}</div>`
    case 'TextButton': return `<div class="buttons">${button(w)}</div>`
    case 'Divider': return '<hr>'
  }
}

function section (s: FakeSection): string {
  // Widgets past the fold are drawn too (dimmed), so buttons keep the order cardWidgets gives them.
  const fold = s.collapsible && s.uncollapsibleWidgets !== null ? s.uncollapsibleWidgets : s.widgets.length
  const widgets = s.widgets.map((w, i) => i < fold ? widget(w) : `<div class="folded">${widget(w)}</div>`).join('')
  const more = s.widgets.length > fold ? `<div class="more">${s.widgets.length - fold} more (collapsed in Gmail)</div>` : ''
  return `<section>${s.header === null ? '' : `<h3>${formattedText(s.header)}</h3>`}${widgets}${more}</section>`
}

/** One card as an HTML fragment (a `<div class="card">`). */
export function cardHtml (card: FakeCard): string {
  const header = card.header === null ? '' : `<header><h2>${escape(card.header.title)}</h2>${card.header.subtitle === null ? '' : `<div class="subtitle">${escape(card.header.subtitle)}</div>`}</header>`
  const footer = card.fixedFooter === null ? '' : `<footer>${button(card.fixedFooter.primary)}${card.fixedFooter.secondary === null ? '' : button(card.fixedFooter.secondary)}</footer>`
  return `<div class="card">${header}${card.sections.map(section).join('')}${footer}</div>`
}

/** The styles `cardHtml` expects: Gmail's side panel, roughly (320 px wide, Roboto, Material colours). */
export const CARD_CSS = `
.panel { width: 320px; font: 13px Roboto, Arial, sans-serif; color: #202124; background: #fff; border-left: 1px solid #dadce0; min-height: 100vh; }
.card header { padding: 14px 16px 8px; border-bottom: 1px solid #e0e0e0; }
.card h2 { font-size: 16px; font-weight: 500; margin: 0; }
.card .subtitle { color: #5f6368; margin-top: 2px; }
.card section { padding: 8px 16px; border-bottom: 1px solid #f1f3f4; }
.card h3 { font-size: 13px; font-weight: 500; color: #1a73e8; margin: 4px 0 8px; }
.card .para { margin: 6px 0; line-height: 1.4; }
.card .decorated { display: flex; align-items: center; gap: 8px; margin: 8px 0; }
.card .decorated .body { flex: 1; min-width: 0; }
.card .top, .card .bottom { font-size: 12px; color: #5f6368; }
.card .value.clip { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.card .buttons { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; }
.card button { font: 500 13px Roboto, Arial, sans-serif; border-radius: 4px; padding: 6px 12px; cursor: pointer; }
.card button.filled { background: #075E54; color: #fff; border: 0; }
.card button.text { background: none; color: #075E54; border: 1px solid #dadce0; }
.card .input { display: block; margin: 8px 0; }
.card .input span { display: block; font-size: 12px; color: #5f6368; margin-bottom: 2px; }
.card .input input, .card .input select, .card .input textarea { width: 100%; box-sizing: border-box; padding: 6px; border: 1px solid #dadce0; border-radius: 4px; font: inherit; }
.card .input small { color: #5f6368; }
.card fieldset { border: 0; padding: 0; margin: 8px 0; }
.card legend { font-size: 12px; color: #5f6368; }
.card .check { display: block; margin: 4px 0; }
.card .more { color: #1a73e8; font-size: 12px; margin: 4px 0; }
.card .folded { opacity: 0.55; }
.card footer { position: sticky; bottom: 0; background: #fff; padding: 8px 16px; border-top: 1px solid #e0e0e0; display: flex; gap: 8px; }
`

/** A whole page showing the top card, with the notification toast if any. */
export function cardPage (card: FakeCard, notification: string | null, extra = ''): string {
  const toast = notification === null ? '' : `<div class="toast" role="status">${escape(notification)}</div>`
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(card.header?.title ?? 'Card')}</title>
<style>body { margin: 0; display: flex; background: #f6f8fc; } main { flex: 1; padding: 16px; font: 13px Roboto, Arial, sans-serif; }
.toast { position: fixed; bottom: 16px; left: 16px; background: #323232; color: #fff; padding: 10px 14px; border-radius: 4px; max-width: 480px; }
${CARD_CSS}</style></head><body><main>${extra}</main><aside class="panel">${cardHtml(card)}</aside>${toast}</body></html>`
}

/** The texts of a card's buttons, in order; the preview uses it to tell which buttons it can click. */
export function buttonTexts (card: FakeCard): string[] {
  return cardWidgets(card).flatMap((w) => w.kind === 'TextButton' ? [w.text] : [])
}
