// The revision page: bring a refused form's message into view (the page is long), nothing else.
document.addEventListener("DOMContentLoaded", function () {
  var error = document.querySelector(".form-error");
  if (!error) return;
  var holder = error.closest("details");
  if (holder) holder.open = true;
  error.scrollIntoView({ block: "center" });
  var form = error.closest("form") || error.parentElement;
  var field = form && form.querySelector("textarea, input:not([type=hidden]), select");
  if (field) field.focus({ preventScroll: true });
});
