// Entry point of the Remotion bundle (`remotion studio src/index.ts`, bundle(), renderMedia()).
import {registerRoot} from 'remotion';
import {RemotionRoot} from './Root';

registerRoot(RemotionRoot);
