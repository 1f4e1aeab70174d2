import { startEngineEarly } from './lib/engine';
import './app.css';

// The engine worker starts first: DuckDB loads in it while the app's code loads here.
startEngineEarly();
const [{ mount }, { default: App }, { registerOffline }] = await Promise.all([
  import('svelte'),
  import('./App.svelte'),
  import('./offline/register'),
]);
const target = document.getElementById('app')!;
target.replaceChildren(); // the page's "Loading the playground…"
mount(App, { target });
void registerOffline();
