import type { Transaction } from 'kysely'
import type { Database } from '../../store/schema.js'
import type { WorkspaceId } from '../../ids.js'
import type { StatusEvent } from '../messages-repository.js'

/** A delivery status newly recorded for a workspace (a redelivered duplicate is not announced again). */
export interface StatusHookEvent extends StatusEvent {
  workspaceId: WorkspaceId
}

/** An inbound message stored for the first time. `body` is message content: never log it. */
export interface InboundHookEvent {
  workspaceId: WorkspaceId
  contactId: string
  /** The contact was created by this message. */
  contactCreated: boolean
  wamid: string
  waId: string
  phoneNumberId: string
  type: string
  body: string | null
  /** The business message this one answers, when the user replied to one (quick replies do). */
  contextWamid: string | null
  sentAt: string
  /** The message opted the contact out of marketing (keyword or opt-out button). */
  optedOut: boolean
}

/**
 * Runs inside the transaction that records the event, so what it writes commits or rolls
 * back with it. A listener that throws rolls the whole webhook back, to be retried: it
 * must write only through `trx` (never the store directly, which on SQLite waits for this
 * very transaction) and must not keep other side effects, since it can run again.
 */
export type StatusListener = (event: StatusHookEvent, trx: Transaction<Database>) => Promise<void> | void

/** Like `StatusListener`, for inbound messages (campaigns mark recipients as replied). */
export type InboundListener = (event: InboundHookEvent, trx: Transaction<Database>) => Promise<void> | void

/** Who listens to processed webhooks, and who is woken when a webhook is stored. */
export interface InboxHooks {
  /** Adds a status listener; returns its removal. */
  onStatus (listener: StatusListener): () => void
  /** Adds an inbound-message listener; returns its removal. */
  onInbound (listener: InboundListener): () => void
  /** Called after each stored webhook (in this process); returns its removal. */
  onAppend (wake: () => void): () => void
  readonly statusListeners: readonly StatusListener[]
  readonly inboundListeners: readonly InboundListener[]
  /** Tells every `onAppend` subscriber that rows were stored. */
  appended (): void
}

function remover<T> (list: T[], item: T): () => void {
  return () => {
    const index = list.indexOf(item)
    if (index >= 0) list.splice(index, 1)
  }
}

/** An empty set of hooks. */
export function createInboxHooks (): InboxHooks {
  const statusListeners: StatusListener[] = []
  const inboundListeners: InboundListener[] = []
  const wakers: Array<() => void> = []
  return {
    onStatus (listener) {
      statusListeners.push(listener)
      return remover(statusListeners, listener)
    },
    onInbound (listener) {
      inboundListeners.push(listener)
      return remover(inboundListeners, listener)
    },
    onAppend (wake) {
      wakers.push(wake)
      return remover(wakers, wake)
    },
    statusListeners,
    inboundListeners,
    appended () {
      for (const wake of wakers) wake()
    },
  }
}

/** An inbox's listener registration, as `WebhookInbox` offers it. */
export interface ListenerRegistry {
  onStatus (listener: StatusListener): () => void
  onInbound (listener: InboundListener): () => void
}

/**
 * Registers a feature's status and inbound listeners on an inbox once: `attached` is the
 * feature's own record, so calling again for the same inbox returns the first removal and
 * nothing is applied or announced twice. `make` builds the listeners only when needed.
 */
export function attachListenersOnce (webhooks: ListenerRegistry, attached: WeakMap<object, () => void>, make: () => { onStatus: StatusListener, onInbound: InboundListener }): () => void {
  const existing = attached.get(webhooks)
  if (existing !== undefined) return existing
  const listeners = make()
  const offStatus = webhooks.onStatus(listeners.onStatus)
  const offInbound = webhooks.onInbound(listeners.onInbound)
  const detach = (): void => {
    offStatus()
    offInbound()
    attached.delete(webhooks)
  }
  attached.set(webhooks, detach)
  return detach
}
