import { initAll } from '../vendor/govuk-frontend/govuk-frontend.min.js'
import './markdown-preview.js'

initAll()
