// Served in place of https://appsforoffice.microsoft.com/lib/1/hosted/office.js in browser
// tests. It mimics the parts of office.js the task pane uses, with the same enum values and
// callback shapes, and reads its fixture from window.__officeFixture (set by an init script):
//   { host: 'Outlook' | null, mailboxVersion: '1.5', item: ItemFixture | null, failAddHandler?: boolean }
// window.__officeStub lets the test change the selection and fire ItemChanged.
(function () {
  'use strict'
  var fixture = window.__officeFixture || { host: 'Outlook', mailboxVersion: '1.5', item: null }
  var handlers = []

  var AsyncResultStatus = { Succeeded: 'succeeded', Failed: 'failed' }
  var EventType = { ItemChanged: 'olkItemSelectedChanged' }
  var ItemType = { Message: 'message', Appointment: 'appointment' }

  function makeItem (data) {
    if (!data) return null
    return {
      itemType: data.itemType || ItemType.Message,
      itemId: data.itemId,
      subject: data.subject,
      from: data.from,
      sender: data.from,
      to: data.to || [],
      cc: data.cc || [],
      internetMessageId: data.internetMessageId,
      conversationId: data.conversationId,
      dateTimeCreated: data.dateTimeCreated ? new Date(data.dateTimeCreated) : undefined,
    }
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
      setTimeout(function () {
        if (fixture.failAddHandler || eventType !== EventType.ItemChanged) {
          if (callback) callback({ status: AsyncResultStatus.Failed, error: { name: 'InvalidEventType', message: 'Event type is not supported', code: 9000 }, value: undefined })
          return
        }
        handlers.push(handler)
        if (callback) callback({ status: AsyncResultStatus.Succeeded, value: undefined })
      }, 0)
    },
  }

  window.Office = {
    HostType: { Outlook: 'Outlook', Word: 'Word', Excel: 'Excel' },
    PlatformType: { OfficeOnline: 'OfficeOnline' },
    AsyncResultStatus: AsyncResultStatus,
    EventType: EventType,
    MailboxEnums: { ItemType: ItemType },
    context: {
      mailbox: mailbox,
      requirements: {
        isSetSupported: function (name, version) {
          return name === 'Mailbox' && compareVersions(fixture.mailboxVersion || '1.1', version || '1.1') >= 0
        },
      },
    },
    onReady: function (callback) {
      var info = { host: fixture.host === undefined ? 'Outlook' : fixture.host, platform: 'OfficeOnline' }
      return new Promise(function (resolve) {
        setTimeout(function () {
          if (callback) callback(info)
          resolve(info)
        }, 0)
      })
    },
  }

  window.__officeStub = {
    /** Selects another item (or none) and fires ItemChanged to every registered handler, as Outlook does for pinned panes. */
    selectItem: function (data) {
      mailbox.item = makeItem(data)
      handlers.forEach(function (handler) { handler({ type: EventType.ItemChanged }) })
    },
    handlerCount: function () { return handlers.length },
  }
})()
