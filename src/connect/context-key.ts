/**
 * Where a call's ctxkit context travels in Connect's per-call context values.
 */
import type { ContextKey } from '@connectrpc/connect';
import type { Context } from '../index.js';

/**
 * CONTEXT_KEY holds a call's ctxkit context in Connect's context values: set
 * by callOptions on the client (read by contextInterceptor), and by
 * serverInterceptor on the server (read by contextOf). It has the shape of
 * Connect's createContextKey, made here so that loading this module never
 * loads Connect.
 */
export const CONTEXT_KEY: ContextKey<Context | undefined> = { id: Symbol('ctxkit.connect.context'), defaultValue: undefined };
