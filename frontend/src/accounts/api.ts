/** Accounts API: the one place the front end talks to /api/auth and /api/me. */
import { api, call } from '../api/client'
import type { UserRead } from '../api/types'

export type User = UserRead

/** Asks for the account; the answer is the same whether or not the e-mail had one, so the
 * caller logs in next (see SignupView). */
export const signup = (body: { email: string; password: string; name: string }) =>
  call(api.POST('/api/auth/signup', { body }))

export const login = (body: { email: string; password: string }) => call(api.POST('/api/auth/login', { body }))

export const logout = () => call(api.POST('/api/auth/logout'))

export const me = () => call(api.GET('/api/me'))
