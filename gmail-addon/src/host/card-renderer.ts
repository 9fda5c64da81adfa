import { DISPATCHER_FUNCTION, actionParameters, type CardAction } from '../core/card-actions.js'
import type { ActionResult, ButtonModel, CardModel, NavigationStep, TextTone, WidgetModel } from '../core/card-model.js'
import { escapeCardText } from '../core/escape.js'
import type { Surface } from '../core/ports.js'

type Card = GoogleAppsScript.Card_Service.Card
type Widget = GoogleAppsScript.Card_Service.Widget

/**
 * Turns card view-models into CardService objects. Formatted strings (texts, field labels and
 * values, section headers) are escaped here, on the way in, and the tone's markup is added
 * around the escaped text; plain strings (titles, buttons, inputs) pass as they are. Every
 * button calls the dispatcher with its action and the surface it was drawn under.
 */
export function renderCard (model: CardModel, surface: Surface): Card {
  const header = CardService.newCardHeader().setTitle(model.title)
  if (model.subtitle !== undefined && model.subtitle !== '') header.setSubtitle(model.subtitle)
  const card = CardService.newCardBuilder().setHeader(header)
  if (model.name !== undefined) card.setName(model.name)
  for (const section of model.sections) {
    if (section.widgets.length === 0) continue
    const built = CardService.newCardSection()
    if (section.header !== undefined) built.setHeader(escapeCardText(section.header))
    // Collapsing a section that fits anyway would only add a useless "more" toggle.
    if (section.collapsedAfter !== undefined && section.widgets.length > section.collapsedAfter) {
      built.setCollapsible(true).setNumUncollapsibleWidgets(section.collapsedAfter)
    }
    for (const widget of section.widgets) built.addWidget(renderWidget(widget, surface))
    card.addSection(built)
  }
  if (model.footer !== undefined) {
    const footer = CardService.newFixedFooter().setPrimaryButton(renderButton(model.footer.primary, surface))
    if (model.footer.secondary !== undefined) footer.setSecondaryButton(renderButton(model.footer.secondary, surface))
    card.setFixedFooter(footer)
  }
  return card.build()
}

/** What a card action answers: an ActionResponse, or an UpdateDraftActionResponse for compose insertions. */
export function renderResult (result: ActionResult, surface: Surface): GoogleAppsScript.Card_Service.ActionResponse | GoogleAppsScript.Card_Service.UpdateDraftActionResponse {
  if (result.kind === 'draft') {
    return CardService.newUpdateDraftActionResponseBuilder()
      .setUpdateDraftBodyAction(CardService.newUpdateDraftBodyAction()
        .addUpdateContent(result.html, CardService.ContentType.MUTABLE_HTML)
        .setUpdateType(CardService.UpdateDraftBodyType.IN_PLACE_INSERT))
      .build()
  }
  const response = CardService.newActionResponseBuilder()
  if (result.navigation !== undefined && result.navigation.length > 0) response.setNavigation(renderNavigation(result.navigation, surface))
  if (result.notification !== undefined) response.setNotification(CardService.newNotification().setText(result.notification))
  if (result.stateChanged === true) response.setStateChanged(true)
  return response.build()
}

function renderNavigation (steps: readonly NavigationStep[], surface: Surface): GoogleAppsScript.Card_Service.Navigation {
  const navigation = CardService.newNavigation()
  for (const step of steps) {
    switch (step.op) {
      case 'push': navigation.pushCard(renderCard(step.card, surface)); break
      case 'update': navigation.updateCard(renderCard(step.card, surface)); break
      case 'pop': navigation.popCard(); break
      case 'popToRoot': navigation.popToRoot(); break
      case 'popTo': navigation.popToNamedCard(step.name); break
    }
  }
  return navigation
}

const TONES: Record<TextTone, (escaped: string) => string> = {
  plain: (t) => t,
  bold: (t) => `<b>${t}</b>`,
  muted: (t) => `<font color="#5f6368">${t}</font>`,
  error: (t) => `<font color="#c5221f">${t}</font>`,
  success: (t) => `<font color="#137333">${t}</font>`,
}

function dispatcherAction (action: CardAction, surface: Surface): GoogleAppsScript.Card_Service.Action {
  return CardService.newAction().setFunctionName(DISPATCHER_FUNCTION).setParameters(actionParameters(action, surface))
}

function renderButton (button: ButtonModel, surface: Surface): GoogleAppsScript.Card_Service.TextButton {
  const built = CardService.newTextButton().setText(button.text)
  if ('url' in button) return built.setOpenLink(CardService.newOpenLink().setUrl(button.url).setOpenAs(CardService.OpenAs.FULL_SIZE))
  if (button.filled === true) built.setTextButtonStyle(CardService.TextButtonStyle.FILLED)
  return built.setOnClickAction(dispatcherAction(button.action, surface))
}

function renderWidget (widget: WidgetModel, surface: Surface): Widget {
  switch (widget.kind) {
    case 'text':
      return CardService.newTextParagraph().setText(TONES[widget.tone ?? 'plain'](escapeCardText(widget.text)))
    case 'field': {
      const text = CardService.newDecoratedText().setText(escapeCardText(widget.value)).setWrapText(widget.wrap ?? false)
      if (widget.label !== undefined && widget.label !== '') text.setTopLabel(escapeCardText(widget.label))
      if (widget.bottom !== undefined && widget.bottom !== '') text.setBottomLabel(escapeCardText(widget.bottom))
      if (widget.button !== undefined) text.setButton(renderButton(widget.button, surface))
      return text
    }
    case 'buttons': {
      const set = CardService.newButtonSet()
      for (const button of widget.buttons) set.addButton(renderButton(button, surface))
      return set
    }
    case 'button':
      return renderButton({ text: widget.text, action: widget.action, filled: widget.filled }, surface)
    case 'link':
      return renderButton({ text: widget.text, url: widget.url }, surface)
    case 'input': {
      const input = CardService.newTextInput().setFieldName(widget.name).setTitle(widget.title).setMultiline(widget.multiline ?? false)
      if (widget.value !== undefined && widget.value !== '') input.setValue(widget.value)
      if (widget.hint !== undefined) input.setHint(widget.hint)
      return input
    }
    case 'choice': {
      const type = { dropdown: CardService.SelectionInputType.DROPDOWN, radio: CardService.SelectionInputType.RADIO_BUTTON, checkbox: CardService.SelectionInputType.CHECK_BOX }[widget.type]
      const input = CardService.newSelectionInput().setFieldName(widget.name).setTitle(widget.title).setType(type)
      for (const option of widget.options) input.addItem(option.text, option.value, option.selected ?? false)
      return input
    }
    case 'divider':
      return CardService.newDivider()
  }
}
