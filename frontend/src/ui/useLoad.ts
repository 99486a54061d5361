/** Loads data for a page; keeps the error as a message for the page's banner (never a blank page). */
import { ref, type Ref } from 'vue'
import { messageOf } from '../api/errors'

export function useLoad<T>(loader: () => Promise<T>): {
  data: Ref<T | null>
  error: Ref<string | null>
  loading: Ref<boolean>
  reload: () => Promise<void>
} {
  const data = ref<T | null>(null) as Ref<T | null>
  const error = ref<string | null>(null)
  const loading = ref(false)
  const reload = async () => {
    loading.value = true
    error.value = null
    try {
      data.value = await loader()
    } catch (err) {
      error.value = messageOf(err)
    } finally {
      loading.value = false
    }
  }
  void reload()
  return { data, error, loading, reload }
}
