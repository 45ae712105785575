// The keyboard of the scorecard form: keys 1 to 5 score the highlighted process, arrows move between processes,
// Enter saves the area and opens the next one. Typing in a comment is left alone.
document.addEventListener("alpine:init", function () {
  "use strict";

  function typing(target) {
    if (target.isContentEditable || ["TEXTAREA", "SELECT"].includes(target.tagName)) return true;
    return target.tagName === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(target.type);
  }

  Alpine.data("scoreForm", function () {
    return {
      focused: 0,
      rows() {
        return Array.from(this.$root.querySelectorAll("[data-process]"));
      },
      focus(index) {
        const rows = this.rows();
        this.focused = Math.max(0, Math.min(index, rows.length - 1));
        rows[this.focused].scrollIntoView({block: "nearest"});
      },
      key(event) {
        if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
        if (/^[1-5]$/.test(event.key)) {
          event.preventDefault();
          const radio = this.rows()[this.focused].querySelector('input[type=radio][value="' + event.key + '"]');
          radio.checked = true;
          radio.dispatchEvent(new Event("change", {bubbles: true}));
        } else if (event.key === "ArrowDown" || event.key === "ArrowRight") {
          event.preventDefault();
          this.focus(this.focused + 1);
        } else if (event.key === "ArrowUp" || event.key === "ArrowLeft") {
          event.preventDefault();
          this.focus(this.focused - 1);
        } else if (event.key === "Enter") {
          event.preventDefault();
          document.getElementById("save-next").click();
        }
      },
    };
  });
});
