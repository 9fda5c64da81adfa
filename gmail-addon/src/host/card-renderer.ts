import { DISPATCHER_FUNCTION, actionParameters } from '../core/card-actions.js'
import type { CardModel, WidgetModel } from '../core/card-model.js'
import { escapeCardText } from '../core/escape.js'

/** Turns a card view-model into a CardService card. Text goes through escapeCardText on the way in. */
export function renderCard (model: CardModel): GoogleAppsScript.Card_Service.Card {
  const header = CardService.newCardHeader().setTitle(model.title)
  if (model.subtitle !== undefined) header.setSubtitle(model.subtitle)
  const card = CardService.newCardBuilder().setHeader(header)
  for (const section of model.sections) {
    const built = CardService.newCardSection()
    if (section.header !== undefined) built.setHeader(escapeCardText(section.header))
    for (const widget of section.widgets) built.addWidget(renderWidget(widget))
    card.addSection(built)
  }
  return card.build()
}

/** A toast at the bottom of the add-on, as the answer to a button. */
export function notification (text: string): GoogleAppsScript.Card_Service.ActionResponse {
  return CardService.newActionResponseBuilder()
    .setNotification(CardService.newNotification().setText(text))
    .build()
}

function renderWidget (widget: WidgetModel): GoogleAppsScript.Card_Service.Widget {
  switch (widget.kind) {
    case 'text':
      return CardService.newTextParagraph().setText(escapeCardText(widget.text))
    case 'field':
      return CardService.newDecoratedText()
        .setTopLabel(escapeCardText(widget.label))
        .setText(escapeCardText(widget.value))
        .setWrapText(widget.wrap ?? false)
    case 'button':
      return CardService.newTextButton()
        .setText(widget.text)
        .setOnClickAction(CardService.newAction()
          .setFunctionName(DISPATCHER_FUNCTION)
          .setParameters(actionParameters(widget.action)))
    case 'link':
      return CardService.newTextButton()
        .setText(widget.text)
        .setOpenLink(CardService.newOpenLink().setUrl(widget.url).setOpenAs(CardService.OpenAs.FULL_SIZE))
  }
}
