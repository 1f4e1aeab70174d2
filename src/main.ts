import { mount } from 'svelte';
import App from './App.svelte';
import { registerOffline } from './offline/register';
import './app.css';

mount(App, { target: document.getElementById('app')! });
void registerOffline();
