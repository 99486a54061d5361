import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { notifyError } from './ui/toast'
import './styles.css'

const app = createApp(App)
app.config.errorHandler = (err) => {
  console.error(err)
  notifyError(err)
}
window.addEventListener('unhandledrejection', (e) => notifyError(e.reason))
app.use(router)
app.mount('#app')
