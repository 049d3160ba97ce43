// Loaded only on the knowledge screen (dynamic import), so dmn-js and its styles never slow the
// first paint. Styles are bundled (no CDN; the server's CSP is default-src 'self').
import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-js-boxed-expression.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn.css';
// @ts-expect-error dmn-js ships no type declarations
import DmnViewer from 'dmn-js/lib/Viewer';

export interface DmnView { id: string; name: string; type: string }

export class DmnDisplay {
  private viewer: any;
  constructor(container: HTMLElement) {
    this.viewer = new DmnViewer({ container });
  }
  // Imports the XML and returns its views (the DRD and each decision's table or expression).
  async load(xml: string): Promise<DmnView[]> {
    await this.viewer.importXML(xml);
    return this.views();
  }
  views(): DmnView[] {
    return this.viewer.getViews().map((v: any) => ({ id: v.element.id, name: v.element.name || v.element.id, type: v.type }));
  }
  async open(id: string): Promise<void> {
    const v = this.viewer.getViews().find((x: any) => x.element.id === id);
    if (v) await this.viewer.open(v);
  }
  destroy() { this.viewer.destroy(); }
}
