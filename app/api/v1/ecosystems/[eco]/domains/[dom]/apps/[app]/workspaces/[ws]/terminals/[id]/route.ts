// DELETE /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws}/terminals/{id} — end a terminal session (developers)

import { apiRoute } from '@/lib/http/route';
import { closeTerminalHandler, type TerminalParams } from '@/lib/http/terminal-handlers';

export const DELETE = apiRoute<TerminalParams>(closeTerminalHandler);
