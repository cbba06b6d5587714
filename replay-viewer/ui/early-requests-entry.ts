/** Entry of dist/viewer/early-requests.js, inlined in a player page's head (early-requests.ts). */
import { startEarlyRequests } from './early-requests';

startEarlyRequests();
