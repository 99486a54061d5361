import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { session, loadSession, isInstructor } from './accounts/session'
import { notifyError } from './ui/toast'
import CatalogView from './courses/CatalogView.vue'
import LoginView from './accounts/LoginView.vue'
import SignupView from './accounts/SignupView.vue'

// Pages past the catalog are lazy chunks: the lesson reader pulls in markdown-it and KaTeX,
// the exercise and author pages CodeMirror; the first page carries none of them.
const routes: RouteRecordRaw[] = [
  // The front door: the catalog, syllabi and lessons can be read without an account (read-only:
  // running code, answering quizzes and exercises need one).
  { path: '/', name: 'catalog', component: CatalogView, meta: { public: true } },
  { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
  { path: '/signup', name: 'signup', component: SignupView, meta: { public: true } },
  { path: '/courses/:course', name: 'course', component: () => import('./courses/CourseView.vue'), props: true, meta: { public: true } },
  { path: '/courses/:course/lessons/:lesson', name: 'lesson', component: () => import('./courses/LessonView.vue'), props: true, meta: { public: true } },
  { path: '/courses/:course/exercises/:exercise', name: 'exercise', component: () => import('./exercises/ExerciseView.vue'), props: true },
  { path: '/author', name: 'author', component: () => import('./authoring/AuthorHomeView.vue'), meta: { instructor: true } },
  { path: '/author/:course', name: 'author-course', component: () => import('./authoring/AuthorCourseView.vue'), props: true, meta: { instructor: true } },
  { path: '/author/:course/files/:path(.*)', name: 'author-file', component: () => import('./authoring/FileEditorView.vue'), props: true, meta: { instructor: true } },
  { path: '/instructor', name: 'gradebook', component: () => import('./instructor/GradebookView.vue'), meta: { instructor: true } },
  { path: '/instructor/learners/:id', name: 'learner', component: () => import('./instructor/LearnerView.vue'), props: true, meta: { instructor: true } },
  { path: '/classes', name: 'classes', component: () => import('./classes/ClassesView.vue') },
  { path: '/classes/join/:code', name: 'class-join', component: () => import('./classes/JoinView.vue'), props: true },
  { path: '/classes/:id', name: 'class', component: () => import('./classes/ClassView.vue'), props: true },
  { path: '/admin/lti', name: 'lti-admin', component: () => import('./classes/LtiAdminView.vue'), meta: { instructor: true } },
  { path: '/classes/:id/similarity', name: 'similarity', component: () => import('./classes/SimilarityView.vue'), props: true },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./ui/NotFoundView.vue'), meta: { public: true } },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
})

router.beforeEach(async (to) => {
  try {
    await loadSession()
  } catch (err) {
    notifyError(err)
  }
  if (to.meta.public) return true
  if (!session.user) return { name: 'login', query: { next: to.fullPath } }
  if (to.meta.instructor && !isInstructor()) return { name: 'catalog' }
  return true
})

router.onError((err) => notifyError(err))
