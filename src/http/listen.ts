import type { FastifyInstance } from 'fastify';
import { StartupError } from '../startup-error.js';

/** Listens on PORT, or stops the start with one line saying what to change. */
export async function listen(http: FastifyInstance, port: number, host: string): Promise<void> {
  try {
    await http.listen({ port, host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new StartupError('port_in_use', `Port ${port} is already in use (PORT). Stop the other process or set PORT to a free port.`);
    }
    if (code === 'EACCES') {
      throw new StartupError('port_in_use', `Not allowed to listen on port ${port} (PORT). Use a port above 1024.`);
    }
    throw error;
  }
}
