/**
 * ctxkit/axios: axios requests under a context.
 *
 * `axiosRequest(ctx, axios, config)` sends the context's remaining budget and
 * values, stops the request when the context ends, and rejects with
 * cause(ctx), which axios's own CanceledError drops. `axiosConfig` and
 * `axiosError` are the two halves, for code that calls axios itself. axios is
 * an optional peer dependency, used only through the instance you pass in.
 * See docs/rpc.md.
 */
export { axiosConfig, axiosError, axiosRequest, type AxiosContextOptions } from './request.js';
