/**
 * Catches an error thrown while rendering the page below it and shows what happened, with a way
 * back, instead of React unmounting the whole app and leaving a blank page (React still reports the
 * error with its component stack on the console). `resetKey` (the path) clears the error when the
 * user goes elsewhere.
 */
import { Component, type ReactNode } from 'react';

interface Props {
  children: ReactNode;
  /** A new value clears a caught error (navigation). */
  resetKey?: string;
  /** Where "Go back" leads. */
  homeHref: string;
}

interface State {
  error?: Error;
  resetKey?: string;
}

export class ErrorBoundary extends Component<Props, State> {
  state: State = { resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.resetKey ? { resetKey: props.resetKey, error: undefined } : null;
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="crash" role="alert">
        <h1>This page stopped working</h1>
        <p>Something went wrong while showing it. Your sessions and data are not affected.</p>
        <pre className="crash-detail">{error.message || error.name}</pre>
        <div className="crash-actions">
          <button type="button" className="btn btn-primary" onClick={() => location.reload()}>
            Reload the page
          </button>
          <a className="btn btn-secondary" href={this.props.homeHref}>
            Go to resources
          </a>
        </div>
      </div>
    );
  }
}
