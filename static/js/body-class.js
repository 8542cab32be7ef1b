// Set before the page paints so GOV.UK Frontend styles for JavaScript-enabled
// browsers apply without a flash (a file, not an inline script: our CSP forbids those).
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
