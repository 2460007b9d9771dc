export function App() {
  return (
    <main className="notebook">
      <header>
        <h1>embedbook</h1>
        <p>Turn a dataset into embeddings.</p>
      </header>
    </main>
  );
}
