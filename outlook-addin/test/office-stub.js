// Served in place of https://appsforoffice.microsoft.com/lib/1/hosted/office.js in browser
// tests. It mimics the parts of office.js the task pane and its sign-in dialog use, with the
// same enum values and callback shapes, and reads its fixture from window.__officeFixture
// (set by an init script):
//   { host: 'Outlook' | null, mailboxVersion: '1.5', item: ItemFixture | null,
//     failAddHandler?: boolean, roaming?: { name: value }, failBody?: boolean }
// ItemFixture: { itemId, subject, from, sender?, to, cc?, internetMessageId?, conversationId?,
//   dateTimeCreated?, attachments?: [{ id, name, size, contentType, isInline, content?: base64, format? }],
//   body?: { text, html }, restricted?: boolean }
// window.__officeStub lets the test change the selection (firing ItemChanged) and read what
// the pane saved in roaming settings. `fixture.selectDuring` / `__officeStub.selectDuring(call, item)`
// change the selection while one named asynchronous call is in flight (after it was made, before
// its answer): the race tests use it to move the selection at every await point of the pane.
//
// displayDialogAsync opens a real popup window, as Outlook on the web does; the page in it
// loads this stub too, and its messageParent reaches the opener's dialog handlers. Closing
// the popup fires DialogEventReceived with 12006, as Office does when the person closes it.
(function () {
  'use strict'
  var fixture = window.__officeFixture || { host: 'Outlook', mailboxVersion: '1.5', item: null }
  var handlers = []
  // { call, item }: the selection moves to `item` while `call` is in flight (once).
  var trap = fixture.selectDuring || null
  var roamingValues = Object.assign({}, fixture.roaming || {})
  var roamingSaved = Object.assign({}, roamingValues)

  var AsyncResultStatus = { Succeeded: 'succeeded', Failed: 'failed' }
  var EventType = {
    ItemChanged: 'olkItemSelectedChanged',
    DialogMessageReceived: 'dialogMessageReceived',
    DialogEventReceived: 'dialogEventReceived',
  }
  var ItemType = { Message: 'message', Appointment: 'appointment' }
  var CoercionType = { Text: 'text', Html: 'html' }
  var AttachmentContentFormat = { Base64: 'base64', Url: 'url', Eml: 'eml', ICalendar: 'iCalendar' }

  function later (fn) { setTimeout(fn, 0) }

  /** Runs `answer` later, first moving the selection if the test asked for it during `call`. */
  function inFlight (call, answer) {
    later(function () {
      if (trap !== null && trap.call === call) {
        var next = trap.item
        trap = null
        select(next)
      }
      answer()
    })
  }
  function succeeded (value) { return { status: AsyncResultStatus.Succeeded, value: value } }
  function failed (code, name, message) { return { status: AsyncResultStatus.Failed, error: { code: code, name: name, message: message }, value: undefined } }

  function makeItem (data) {
    if (!data) return null
    // Restricted permission: Outlook answers null for addresses, body and attachments.
    var restricted = data.restricted === true
    var self = null
    // Microsoft documents no rule for calls on an item object after the selection moved
    // (https://learn.microsoft.com/office/dev/add-ins/outlook/pinnable-taskpane says only that
    // the pane must re-read Office.context.mailbox.item on ItemChanged). The stricter reading is
    // modelled: a stale object's asynchronous calls answer with the item selected when they
    // answer, so a pane that reads the body from whatever is selected mixes two emails.
    // Listed in outlook-addin/README.md under "to confirm on a real tenant".
    function live () { return mailbox.item === self || !mailbox.item ? data : mailbox.item.__data }
    self = {
      __data: data,
      itemType: data.itemType || ItemType.Message,
      itemId: data.itemId,
      subject: data.subject,
      from: restricted ? null : data.from,
      sender: restricted ? null : (data.sender || data.from),
      to: restricted ? null : (data.to || []),
      cc: restricted ? null : (data.cc || []),
      internetMessageId: data.internetMessageId,
      conversationId: data.conversationId,
      dateTimeCreated: data.dateTimeCreated ? new Date(data.dateTimeCreated) : undefined,
      getAttachmentContentAsync: function (id, optionsOrCallback, maybeCallback) {
        var callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback
        inFlight('getAttachmentContentAsync', function () {
          var found = (live().attachments || []).filter(function (a) { return a.id === id })[0]
          if (!found || restricted) return callback(failed(9043, 'AttachmentTypeNotSupported', 'The attachment is not available'))
          callback(succeeded({ format: found.format || AttachmentContentFormat.Base64, content: found.content || '' }))
        })
      },
      attachments: restricted ? null : (data.attachments || []).map(function (a) {
        return { id: a.id, name: a.name, size: a.size, contentType: a.contentType, isInline: !!a.isInline, attachmentType: 'file' }
      }),
      body: {
        getAsync: function (coercionType, optionsOrCallback, maybeCallback) {
          var callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback
          inFlight('body.getAsync', function () {
            if (fixture.failBody || restricted) return callback(failed(9002, 'InternalServerError', 'The body could not be read'))
            var body = live().body || { text: '', html: '' }
            callback(succeeded(coercionType === CoercionType.Html ? body.html : body.text))
          })
        },
      },
    }
    return self
  }

  function compareVersions (a, b) {
    var pa = String(a).split('.').map(Number)
    var pb = String(b).split('.').map(Number)
    for (var i = 0; i < Math.max(pa.length, pb.length); i++) {
      var d = (pa[i] || 0) - (pb[i] || 0)
      if (d !== 0) return d
    }
    return 0
  }

  var mailbox = {
    item: makeItem(fixture.item),
    addHandlerAsync: function (eventType, handler, optionsOrCallback, maybeCallback) {
      var callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback
      // Real Outlook answers asynchronously; so does the stub.
      inFlight('addHandlerAsync', function () {
        if (fixture.failAddHandler || eventType !== EventType.ItemChanged) {
          if (callback) callback(failed(9000, 'InvalidEventType', 'Event type is not supported'))
          return
        }
        handlers.push(handler)
        if (callback) callback(succeeded(undefined))
      })
    },
  }

  var roamingSettings = {
    get: function (name) { return Object.prototype.hasOwnProperty.call(roamingValues, name) ? roamingValues[name] : null },
    set: function (name, value) { roamingValues[name] = value },
    remove: function (name) { delete roamingValues[name] },
    saveAsync: function (callback) {
      inFlight('roamingSettings.saveAsync', function () {
        roamingSaved = Object.assign({}, roamingValues)
        if (callback) callback(succeeded(undefined))
      })
    },
  }

  // The pane side of a dialog: handlers registered on the Dialog object Office hands back.
  var openDialog = null

  // Failures the test queues for the next displayDialogAsync calls (fixture.dialogErrors), as
  // Office documents them in "Handle errors and events in the Office dialog box"
  // (https://learn.microsoft.com/office/dev/add-ins/develop/dialog-handle-errors-events):
  // 12004 untrusted domain, 12005 "HTTPS is required", 12007 "A dialog box is already opened
  // from this host window", 12009 "The user chose to ignore the dialog box", 12011 the
  // browser's configuration blocks popups. The stub enforces 12007 and 12004 (same origin
  // as the host page, "including protocol and port number") itself; it serves tests over
  // plain http, so 12005 only comes from the queue.
  var dialogErrors = (fixture.dialogErrors || []).slice()
  var DIALOG_ERROR_NAMES = { 12004: 'InvalidDomain', 12005: 'HttpsRequired', 12007: 'DialogAlreadyOpened', 12009: 'DialogIgnored', 12011: 'PopupBlocked' }

  var ui = {
    displayDialogAsync: function (url, options, callback) {
      later(function () {
        if (dialogErrors.length > 0) {
          var code = dialogErrors.shift()
          return callback(failed(code, DIALOG_ERROR_NAMES[code] || 'DialogError', 'The dialog could not be displayed'))
        }
        if (openDialog !== null) return callback(failed(12007, 'DialogAlreadyOpened', 'A dialog is already opened'))
        if (new URL(url, location.href).origin !== location.origin) return callback(failed(12004, 'InvalidDomain', 'The dialog must start on the pane\'s domain'))
        var popup = window.open(url, '_blank', 'popup')
        if (!popup) return callback(failed(12009, 'DialogBlocked', 'The dialog was blocked'))
        var dialogHandlers = {}
        var dialog = {
          addEventHandler: function (type, handler) { dialogHandlers[type] = handler },
          close: function () {
            clearInterval(watch)
            openDialog = null
            if (!popup.closed) popup.close()
          },
          messageChild: function () {},
        }
        var watch = setInterval(function () {
          if (popup.closed && openDialog === dialog) {
            dialog.close()
            if (dialogHandlers[EventType.DialogEventReceived]) dialogHandlers[EventType.DialogEventReceived]({ type: EventType.DialogEventReceived, error: 12006 })
          }
        }, 50)
        openDialog = dialog
        dialog.deliver = function (message) {
          if (dialogHandlers[EventType.DialogMessageReceived]) dialogHandlers[EventType.DialogMessageReceived]({ type: EventType.DialogMessageReceived, message: message, origin: location.origin })
        }
        callback(succeeded(dialog))
      })
    },
    messageParent: function (message) {
      // Office carries the message to the pane that opened this dialog; the popup's opener is that pane.
      var parentStub = window.opener && window.opener.__officeStub
      if (!parentStub) throw new Error('messageParent: no dialog opener')
      parentStub.deliverDialogMessage(String(message))
    },
  }

  window.Office = {
    HostType: { Outlook: 'Outlook', Word: 'Word', Excel: 'Excel' },
    PlatformType: { OfficeOnline: 'OfficeOnline' },
    AsyncResultStatus: AsyncResultStatus,
    EventType: EventType,
    CoercionType: CoercionType,
    MailboxEnums: { ItemType: ItemType, AttachmentContentFormat: AttachmentContentFormat },
    context: {
      mailbox: mailbox,
      roamingSettings: roamingSettings,
      ui: ui,
      requirements: {
        isSetSupported: function (name, version) {
          return name === 'Mailbox' && compareVersions(fixture.mailboxVersion || '1.1', version || '1.1') >= 0
        },
      },
    },
    onReady: function (callback) {
      var info = { host: fixture.host === undefined ? 'Outlook' : fixture.host, platform: 'OfficeOnline' }
      return new Promise(function (resolve) {
        inFlight('onReady', function () {
          if (callback) callback(info)
          resolve(info)
        })
      })
    },
  }

  /** Selects another item (or none) and fires ItemChanged to every handler registered so far, as Outlook does for pinned panes. */
  function select (data) {
    mailbox.item = makeItem(data)
    handlers.forEach(function (handler) { handler({ type: EventType.ItemChanged }) })
  }

  window.__officeStub = {
    selectItem: select,
    /** Moves the selection to `item` while the next `call` is in flight (see selectDuring in the header). */
    selectDuring: function (call, item) { trap = { call: call, item: item } },
    /** True once the trap set by selectDuring has fired. */
    trapFired: function () { return trap === null },
    handlerCount: function () { return handlers.length },
    /** What the pane has saved to roaming settings (saveAsync), as the mailbox would keep it. */
    savedRoaming: function () { return Object.assign({}, roamingSaved) },
    dialogOpen: function () { return openDialog !== null },
    deliverDialogMessage: function (message) {
      var dialog = openDialog
      if (dialog) later(function () { dialog.deliver(message) })
    },
  }
})()
