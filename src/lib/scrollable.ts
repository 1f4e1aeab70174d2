/**
 * A Svelte action for an element that scrolls: it joins the tab order, so that keyboard users can focus it and
 * scroll it with the arrow keys (WCAG 2.1.1; axe-core's scrollable-region-focusable). Svelte's lint takes such an
 * element for one that cannot be used, and warns at a tabindex written in the markup.
 */
export function keyboardScrollable(node: HTMLElement): void {
  node.tabIndex = 0;
}
